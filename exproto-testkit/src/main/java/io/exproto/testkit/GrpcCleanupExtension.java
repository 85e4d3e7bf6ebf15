package io.exproto.testkit;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Shuts down registered gRPC servers and channels after each test, newest first (the JUnit 5
 * counterpart of grpc-testing's GrpcCleanupRule, which is not published for JUnit 5).
 *
 * <pre>{@code
 * @RegisterExtension final GrpcCleanupExtension grpc = new GrpcCleanupExtension();
 * Server s = grpc.register(InProcessServerBuilder.forName(name).addService(svc).build().start());
 * }</pre>
 */
public final class GrpcCleanupExtension implements AfterEachCallback {
  private final Deque<Object> resources = new ArrayDeque<>();

  /** Registers a started server for shutdown; returns it. */
  public synchronized <T extends Server> T register(T server) {
    resources.push(server);
    return server;
  }

  /** Registers a channel for shutdown; returns it. */
  public synchronized <T extends ManagedChannel> T register(T channel) {
    resources.push(channel);
    return channel;
  }

  @Override
  public synchronized void afterEach(ExtensionContext context) throws Exception {
    while (!resources.isEmpty()) {
      Object r = resources.pop();
      if (r instanceof ManagedChannel c) {
        c.shutdownNow();
        c.awaitTermination(5, TimeUnit.SECONDS);
      } else if (r instanceof Server s) {
        s.shutdownNow();
        s.awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }
}
