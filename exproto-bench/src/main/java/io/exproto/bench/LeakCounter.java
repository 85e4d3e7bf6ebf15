package io.exproto.bench;

import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the leaks Netty's leak detector reports in this JVM (besides logging them as Netty does).
 * {@link #install()} must run before the first buffer is allocated: detectors are made once per
 * resource type, when its class initializes.
 */
final class LeakCounter {
  private static final AtomicLong LEAKS = new AtomicLong();

  private LeakCounter() {}

  /** Sets the detector factory to one whose detectors count what they report. */
  static void install() {
    ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new ResourceLeakDetectorFactory() {
      @Override
      @SuppressWarnings("deprecation")
      public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource,
          int samplingInterval, long maxActive) {
        return new Counting<>(resource, samplingInterval);
      }
    });
  }

  /** Leaks reported so far. */
  static long leaks() {
    return LEAKS.get();
  }

  private static final class Counting<T> extends ResourceLeakDetector<T> {
    Counting(Class<T> resource, int samplingInterval) {
      super(resource, samplingInterval);
    }

    @Override
    protected void reportTracedLeak(String resourceType, String records) {
      LEAKS.incrementAndGet();
      super.reportTracedLeak(resourceType, records);
    }

    @Override
    protected void reportUntracedLeak(String resourceType) {
      LEAKS.incrementAndGet();
      super.reportUntracedLeak(resourceType);
    }
  }
}
