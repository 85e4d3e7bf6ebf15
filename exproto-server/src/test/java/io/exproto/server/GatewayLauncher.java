package io.exproto.server;

import io.exproto.server.StandaloneGateway.Launch;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts the standalone gateway in this JVM as its {@code main} would, capturing what it prints,
 * and after each test stops every gateway it started (and anything else handed to {@link
 * #closeAfter}), last first. Register with {@code @RegisterExtension}.
 */
public final class GatewayLauncher implements AfterEachCallback {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final List<AutoCloseable> toClose = new ArrayList<>();

  /** Runs the gateway with {@code args}; a running gateway is stopped after the test. */
  public Launch launch(String... args) {
    Launch launch = StandaloneGateway.start(args,
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    if (launch.running() != null) {
      toClose.add(launch.running());
    }
    return launch;
  }

  /** Writes {@code conf} to {@code file} and runs {@code --config file} followed by flags. */
  public Launch launchWithConfig(Path file, String conf, String... flags) throws IOException {
    Files.writeString(file, conf);
    List<String> args = new ArrayList<>(List.of("--config", file.toString()));
    args.addAll(List.of(flags));
    return launch(args.toArray(new String[0]));
  }

  /** Closes {@code resource} after the test, before the gateways started earlier. */
  public void closeAfter(AutoCloseable resource) {
    toClose.add(resource);
  }

  /** What the gateways printed to standard output so far. */
  public String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  /** What the gateways printed to standard error so far. */
  public String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  /** Forgets what was printed, so that the next launch's output stands alone. */
  public void resetOutput() {
    out.reset();
    err.reset();
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
    toClose.clear();
  }
}
