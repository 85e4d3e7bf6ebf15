package io.exproto.grpc;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Shuts down registered gRPC servers and channels after each test, newest first, and fails the
 * test if one does not terminate within 5 seconds. Use with {@code @RegisterExtension}.
 */
final class GrpcCleanup implements AfterEachCallback {
  private final Deque<Object> resources = new ArrayDeque<>();

  synchronized <T extends Server> T register(T server) {
    resources.push(server);
    return server;
  }

  synchronized <T extends ManagedChannel> T register(T channel) {
    resources.push(channel);
    return channel;
  }

  /** Closes an {@link AutoCloseable} (a handler, an adapter server) along with the rest. */
  synchronized <T extends AutoCloseable> T register(T closeable) {
    resources.push(closeable);
    return closeable;
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    Exception failure = null;
    while (true) {
      Object resource;
      synchronized (this) {
        resource = resources.poll();
      }
      if (resource == null) {
        break;
      }
      try {
        close(resource);
      } catch (Exception e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  private static void close(Object resource) throws Exception {
    boolean terminated;
    if (resource instanceof Server server) {
      server.shutdownNow();
      terminated = server.awaitTermination(5, TimeUnit.SECONDS);
    } else if (resource instanceof ManagedChannel channel) {
      channel.shutdownNow();
      terminated = channel.awaitTermination(5, TimeUnit.SECONDS);
    } else {
      ((AutoCloseable) resource).close();
      terminated = true;
    }
    if (!terminated) {
      throw new AssertionError(resource + " did not terminate within 5 s");
    }
  }
}
