package io.exproto.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class InboundRateLimiterTest {
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

  @Test
  void noLimitMeansNoLimiter() {
    assertThat(InboundRateLimiter.create(0, 0, 0)).isNull();
    assertThat(InboundRateLimiter.create(-1, -5, 0)).isNull();
  }

  @Test
  void aByteBucketHoldsOneSecondAndAReadThatOverdrawsItIsTakenThenWaitedFor() {
    InboundRateLimiter limiter = InboundRateLimiter.create(1000, 0, 0);
    assertThat(limiter.consume(600, 0)).isZero();
    assertThat(limiter.consume(400, 0)).isZero(); // exactly empty: not in debt
    // 500 more: taken, and reading waits until 500 bytes' worth (half a second) came back.
    assertThat(limiter.consume(500, 0)).isEqualTo(SECOND / 2);
    assertThat(limiter.waitNanos(SECOND / 4)).isEqualTo(SECOND / 4);
    assertThat(limiter.waitNanos(SECOND / 2)).isZero();
  }

  @Test
  void aLongPauseRefillsOneSecondsWorthAndNoMore() {
    InboundRateLimiter limiter = InboundRateLimiter.create(1000, 0, 0);
    limiter.consume(1000, 0);
    long later = 60 * SECOND;
    assertThat(limiter.consume(1000, later)).isZero();
    assertThat(limiter.consume(1, later)).isPositive();
  }

  @Test
  void theMessageBucketCountsReadsWhateverTheirSize() {
    InboundRateLimiter limiter = InboundRateLimiter.create(0, 2, 0);
    assertThat(limiter.consume(1_000_000, 0)).isZero();
    assertThat(limiter.consume(1_000_000, 0)).isZero();
    assertThat(limiter.consume(1, 0)).isEqualTo(SECOND / 2);
  }

  @Test
  void withBothLimitsTheLongerWaitWins() {
    InboundRateLimiter limiter = InboundRateLimiter.create(100, 10, 0);
    // 300 bytes in one read: 2 s of byte debt; 1 of 10 messages: no message debt.
    assertThat(limiter.consume(300, 0)).isEqualTo(2 * SECOND);
    // A clock that goes backwards refills nothing.
    assertThat(limiter.waitNanos(-SECOND)).isEqualTo(2 * SECOND);
  }
}
