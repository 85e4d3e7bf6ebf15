package io.exproto.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.exproto.transport.Link;
import io.exproto.transport.LinkAcceptor;
import io.exproto.transport.LinkListener;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** Accepts every link with a new {@link RecordingListener} and queues it for the test. */
final class RecordingAcceptor implements LinkAcceptor {

  private final BlockingQueue<RecordingListener> accepted = new LinkedBlockingQueue<>();

  @Override
  public LinkListener accept(Link link) {
    RecordingListener listener = new RecordingListener(link);
    accepted.add(listener);
    return listener;
  }

  /** The next accepted link's listener, waiting at most five seconds. */
  RecordingListener next() throws InterruptedException {
    RecordingListener listener = accepted.poll(5, TimeUnit.SECONDS);
    assertThat(listener).as("a link was accepted within 5 s").isNotNull();
    return listener;
  }

  /** Links accepted and not yet taken with {@link #next()}. */
  int pending() {
    return accepted.size();
  }
}
