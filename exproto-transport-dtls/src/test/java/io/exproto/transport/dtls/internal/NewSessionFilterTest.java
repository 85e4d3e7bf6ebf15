package io.exproto.transport.dtls.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which datagrams {@link NewSessionFilter} takes for the start of a new DTLS session. */
class NewSessionFilterTest {

  /** A DTLS 1.2 ClientHello record with the given session id and cookie lengths. */
  private static byte[] clientHello(int sessionIdLength, int cookieLength) {
    int body = 2 + 32 + 1 + sessionIdLength + 1 + cookieLength + 2 + 2 + 1 + 1;
    byte[] b = new byte[13 + 12 + body];
    b[0] = 22; // handshake
    b[1] = (byte) 0xfe;
    b[2] = (byte) 0xfd; // DTLS 1.2
    b[11] = (byte) ((12 + body) >> 8);
    b[12] = (byte) (12 + body);
    b[13] = 1; // client_hello
    b[15] = (byte) (body >> 8);
    b[16] = (byte) body; // length
    b[23] = (byte) (body >> 8);
    b[24] = (byte) body; // fragment_length = length, fragment_offset = 0
    b[25] = (byte) 0xfe;
    b[26] = (byte) 0xfd;
    b[59] = (byte) sessionIdLength;
    b[60 + sessionIdLength] = (byte) cookieLength;
    for (int i = 0; i < cookieLength; i++) {
      b[61 + sessionIdLength + i] = 7;
    }
    return b;
  }

  @Test
  void onlyAnUnfragmentedClientHelloWithACookieStartsASession() {
    byte[] withCookie = clientHello(0, 32);
    assertThat(NewSessionFilter.opensSession(withCookie, 0, withCookie.length)).isTrue();
    byte[] resumption = clientHello(32, 32);
    assertThat(NewSessionFilter.opensSession(resumption, 0, resumption.length)).isTrue();
    byte[] first = clientHello(0, 0); // answered statelessly with a HelloVerifyRequest
    assertThat(NewSessionFilter.opensSession(first, 0, first.length)).isFalse();

    // At an offset inside a larger buffer, as Scandium's receive buffer is.
    byte[] buffer = new byte[withCookie.length + 10];
    System.arraycopy(withCookie, 0, buffer, 7, withCookie.length);
    assertThat(NewSessionFilter.opensSession(buffer, 7, withCookie.length)).isTrue();

    byte[] epoch1 = withCookie.clone();
    epoch1[4] = 1;
    assertThat(NewSessionFilter.opensSession(epoch1, 0, epoch1.length)).isFalse();
    byte[] application = withCookie.clone();
    application[0] = 23;
    assertThat(NewSessionFilter.opensSession(application, 0, application.length)).isFalse();
    byte[] serverHello = withCookie.clone();
    serverHello[13] = 2;
    assertThat(NewSessionFilter.opensSession(serverHello, 0, serverHello.length)).isFalse();
    byte[] fragment = withCookie.clone();
    fragment[24] = 10; // fragment_length < length
    assertThat(NewSessionFilter.opensSession(fragment, 0, fragment.length)).isFalse();
    byte[] laterFragment = withCookie.clone();
    laterFragment[21] = 10; // fragment_offset > 0
    assertThat(NewSessionFilter.opensSession(laterFragment, 0, laterFragment.length)).isFalse();
    // Truncated before (or at) the cookie length: left to Scandium, which drops it.
    assertThat(NewSessionFilter.opensSession(withCookie, 0, 60)).isFalse();
    assertThat(NewSessionFilter.opensSession(withCookie, 0, 13)).isFalse();
  }
}
