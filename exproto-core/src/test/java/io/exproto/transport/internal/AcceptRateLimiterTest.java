package io.exproto.transport.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The accept token bucket on a hand-moved clock. */
class AcceptRateLimiterTest {

  private long now = 123_456_789L;

  private int acquired(AcceptRateLimiter limiter, int attempts) {
    int n = 0;
    for (int i = 0; i < attempts; i++) {
      if (limiter.tryAcquire()) {
        n++;
      }
    }
    return n;
  }

  private void advanceMillis(long millis) {
    now += TimeUnit.MILLISECONDS.toNanos(millis);
  }

  @Test
  void aFullBucketLetsABurstOfOneSecondsWorthThrough() {
    AcceptRateLimiter limiter = new AcceptRateLimiter(5, () -> now);

    assertThat(acquired(limiter, 20)).isEqualTo(5);
  }

  @Test
  void tokensComeBackAtTheRate() {
    AcceptRateLimiter limiter = new AcceptRateLimiter(2, () -> now);
    assertThat(acquired(limiter, 10)).isEqualTo(2);

    advanceMillis(499);
    assertThat(limiter.tryAcquire()).isFalse();
    advanceMillis(1);
    assertThat(limiter.tryAcquire()).isTrue();
    assertThat(limiter.tryAcquire()).isFalse();
    advanceMillis(500);
    assertThat(acquired(limiter, 10)).isEqualTo(1);
  }

  @Test
  void anIdleBucketRefillsOnlyToItsCapacity() {
    AcceptRateLimiter limiter = new AcceptRateLimiter(3, () -> now);
    acquired(limiter, 3);

    advanceMillis(60_000);

    assertThat(acquired(limiter, 10)).isEqualTo(3);
  }

  @Test
  void aSteadyFlowAtTheRateIsNeverLimited() {
    AcceptRateLimiter limiter = new AcceptRateLimiter(1000, () -> now);
    for (int i = 0; i < 5000; i++) {
      assertThat(limiter.tryAcquire()).as("connection %d", i).isTrue();
      advanceMillis(1);
    }
  }

  @Test
  void theClockMayWrap() {
    now = Long.MAX_VALUE - TimeUnit.MILLISECONDS.toNanos(100);
    AcceptRateLimiter limiter = new AcceptRateLimiter(10, () -> now);
    assertThat(acquired(limiter, 20)).isEqualTo(10);

    advanceMillis(300); // past Long.MAX_VALUE

    assertThat(acquired(limiter, 20)).isEqualTo(3);
  }

  @Test
  void veryHighRatesWork() {
    AcceptRateLimiter limiter = new AcceptRateLimiter(Integer.MAX_VALUE, () -> now);

    assertThat(acquired(limiter, 100_000)).isEqualTo(100_000);
  }

  @Test
  void aRateBelowOneIsRejected() {
    assertThatThrownBy(() -> new AcceptRateLimiter(0, () -> now))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxConnRate").hasMessageContaining("0");
  }
}
