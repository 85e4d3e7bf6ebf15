package io.exproto.server;

import io.exproto.server.CommandLineValues.Listen;
import io.exproto.server.GatewayConfigFile.ListenerConfig;
import io.exproto.server.GatewayConfigFile.TlsFiles;
import io.exproto.transport.dtls.PskFile;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/**
 * The listeners the standalone gateway starts with: those of {@code --listen}, else the config
 * file's, else the default; the TLS flags applied to the secure ones; the pre-shared keys of dtls
 * listeners; each bind address resolved. Every mistake is a usage error naming the flag or key.
 *
 * @param listeners the listeners, in order
 * @param binds the resolved bind address of each listener, in the same order
 * @param psk the pre-shared keys of dtls listeners, or null
 */
record ListenerPlan(List<ListenerConfig> listeners, List<InetSocketAddress> binds,
    Map<String, byte[]> psk) {

  /**
   * The plan of {@code flags} (defaults applied) and {@code file} (null: none).
   *
   * @throws ParameterException naming the flag or key that is wrong
   */
  static ListenerPlan of(StandaloneGateway flags, GatewayConfigFile file) {
    CommandLine cli = flags.spec.commandLine();
    List<ListenerConfig> specs = listenerConfigs(flags, file);
    refuseTlsFlagsWithoutSecureListener(flags, cli, specs);
    Map<String, byte[]> psk = preSharedKeys(flags, cli, file, specs);
    applyTlsFlags(flags, cli, specs, psk);
    List<InetSocketAddress> binds = new ArrayList<>();
    for (ListenerConfig l : specs) {
      binds.add(CommandLineValues.resolve(cli, "--listen", l.bind()));
    }
    return new ListenerPlan(List.copyOf(specs), List.copyOf(binds), psk);
  }

  /** The listeners of {@code --listen} (tcp, tcp-2, ...), else the file's, else the default. */
  private static List<ListenerConfig> listenerConfigs(StandaloneGateway flags,
      GatewayConfigFile file) {
    List<ListenerConfig> specs = new ArrayList<>();
    if (!flags.listen.isEmpty() || file == null || file.listeners().isEmpty()) {
      List<Listen> given = flags.listen.isEmpty()
          ? List.of(CommandLineValues.parseListen(StandaloneGateway.DEFAULT_LISTEN))
          : flags.listen;
      Map<String, Integer> perScheme = new HashMap<>();
      for (Listen l : given) {
        int n = perScheme.merge(l.scheme(), 1, Integer::sum);
        specs.add(ListenerConfig.of(l.scheme(), n == 1 ? l.scheme() : l.scheme() + "-" + n,
            l.address()));
      }
    } else {
      specs.addAll(file.listeners());
    }
    return specs;
  }

  /**
   * {@code --certfile}, {@code --keyfile}, {@code --cacertfile} and {@code --verify} on every ssl
   * and dtls listener; then every ssl listener must have a certificate, and every dtls listener a
   * certificate or pre-shared keys.
   */
  private static void applyTlsFlags(StandaloneGateway flags, CommandLine cli,
      List<ListenerConfig> specs, Map<String, byte[]> psk) {
    TlsFiles flagTls = flags.certfile == null && flags.keyfile == null
        && flags.cacertfile == null && !flags.verify ? null
        : TlsFiles.of(flags.certfile, flags.keyfile, flags.cacertfile, flags.verify, flags.verify);
    for (int i = 0; i < specs.size(); i++) {
      ListenerConfig l = specs.get(i);
      boolean secure = l.type().equals("ssl") || l.type().equals("dtls");
      if (secure && flagTls != null) {
        specs.set(i, l.withTls(flagTls));
      } else if (l.type().equals("dtls") && l.tls() == null && psk == null) {
        throw CommandLineValues.usageError(cli, "--listen", l.type() + "://" + l.bind(),
            "dtls listeners need --certfile and --keyfile, or --pskfile (in --config:"
            + " dtls_options with certfile and keyfile, or psk_authentication); '" + l.name()
            + "' has neither");
      } else if (l.type().equals("ssl") && l.tls() == null) {
        throw CommandLineValues.usageError(cli, "--listen", l.type() + "://" + l.bind(),
            l.type() + " listeners need --certfile and --keyfile");
      }
    }
  }

  /**
   * {@code --certfile}, {@code --keyfile}, {@code --cacertfile} and {@code --verify} configure
   * ssl and dtls listeners only: given with none, they would be silently ignored and the gateway
   * would run in plaintext.
   */
  private static void refuseTlsFlagsWithoutSecureListener(StandaloneGateway flags,
      CommandLine cli, List<ListenerConfig> specs) {
    if (specs.stream().anyMatch(l -> l.type().equals("ssl") || l.type().equals("dtls"))) {
      return;
    }
    String flag = flags.certfile != null ? "--certfile" : flags.keyfile != null ? "--keyfile"
        : flags.cacertfile != null ? "--cacertfile" : flags.verify ? "--verify" : null;
    if (flag != null) {
      throw new ParameterException(cli, flag + " applies to ssl:// and dtls://"
          + " listeners, and there is none (listeners: " + String.join(", ",
              specs.stream().map(l -> l.type() + "://" + l.bind()).toList())
          + "); add one, e.g. --listen ssl://0.0.0.0:7994");
    }
  }

  /**
   * The pre-shared keys of dtls listeners: {@code --pskfile} if given, else the config file's
   * {@code psk_authentication.init_file} if enabled, else null. The separator is the config
   * file's {@code psk_authentication.separator} (even with {@code enable = false}), {@code :} by
   * default.
   */
  private static Map<String, byte[]> preSharedKeys(StandaloneGateway flags, CommandLine cli,
      GatewayConfigFile file, List<ListenerConfig> specs) {
    GatewayConfigFile.PskAuthentication fromFile = file != null ? file.psk() : null;
    String separator = fromFile != null ? fromFile.separator() : PskFile.DEFAULT_SEPARATOR;
    if (flags.pskfile != null) {
      if (specs.stream().noneMatch(l -> l.type().equals("dtls"))) {
        throw CommandLineValues.usageError(cli, "--pskfile", flags.pskfile.toString(),
            "no dtls listener: pre-shared keys are for dtls:// listeners only");
      }
      try {
        return PskFile.read(flags.pskfile, separator);
      } catch (IllegalArgumentException ex) {
        throw CommandLineValues.usageError(cli, "--pskfile", flags.pskfile.toString(),
            ex.getMessage());
      }
    }
    if (fromFile == null || !fromFile.enable()) {
      return null;
    }
    try {
      return PskFile.read(fromFile.initFile(), separator);
    } catch (IllegalArgumentException ex) {
      throw CommandLineValues.usageError(cli, "--config", flags.config.toString(),
          "psk_authentication.init_file: " + ex.getMessage());
    }
  }
}
