package io.exproto.server;

import io.exproto.gateway.Gateway;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.TypeConversionException;

/**
 * How the standalone gateway's flags read their values, how a wrong one is reported, and what
 * {@code --version} says.
 */
final class CommandLineValues {
  private CommandLineValues() {}

  /** A usage error (exit 2) naming the flag, its value and what is wrong. */
  static ParameterException usageError(CommandLine cli, String option, String value,
      String why) {
    return new ParameterException(cli,
        "Invalid value for option '" + option + "' ('" + value + "'): " + why);
  }

  /** {@code hp} resolved; a usage error for {@code option} if it cannot be. */
  static InetSocketAddress resolve(CommandLine cli, String option, HostPort hp) {
    try {
      return hp.resolve();
    } catch (IllegalArgumentException ex) {
      throw usageError(cli, option, hp.toString(), ex.getMessage());
    }
  }

  private static final List<String> SCHEMES = List.of("tcp", "ssl", "udp", "dtls");

  /** A {@code --listen} value. */
  record Listen(String scheme, HostPort address) {}

  static Listen parseListen(String value) {
    String v = value.trim();
    int at = v.indexOf("://");
    if (at < 0) {
      throw new TypeConversionException("'" + value + "' is not tcp://HOST:PORT or"
          + " udp://HOST:PORT, e.g. tcp://0.0.0.0:7993");
    }
    String scheme = v.substring(0, at).toLowerCase(Locale.ROOT);
    if (!SCHEMES.contains(scheme)) {
      throw new TypeConversionException("'" + value + "': listeners are tcp://, ssl://, udp://"
          + " or dtls:// (not " + v.substring(0, at + 3) + ")");
    }
    try {
      return new Listen(scheme, HostPort.parse(v.substring(at + 3)));
    } catch (IllegalArgumentException ex) {
      throw new TypeConversionException("'" + value + "' is not " + scheme + "://HOST:PORT: "
          + ex.getMessage());
    }
  }

  /** Reads {@code tcp://HOST:PORT} or {@code udp://HOST:PORT}; other schemes are rejected. */
  static final class ListenConverter implements ITypeConverter<Listen> {
    @Override
    public Listen convert(String value) {
      return parseListen(value);
    }
  }

  /** Reads {@code HOST:PORT}. */
  static final class HostPortConverter implements ITypeConverter<HostPort> {
    @Override
    public HostPort convert(String value) {
      try {
        return HostPort.parse(value);
      } catch (IllegalArgumentException ex) {
        throw new TypeConversionException(ex.getMessage());
      }
    }
  }

  /** The library's version ({@link Gateway#version()}), and the Java running it. */
  static final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"exproto-gateway " + Gateway.version(),
          "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor")
              + ")"};
    }
  }
}
