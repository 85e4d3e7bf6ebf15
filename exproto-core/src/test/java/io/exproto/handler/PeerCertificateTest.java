package io.exproto.handler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exproto.transport.TestCertificates;
import io.exproto.transport.internal.PemFiles;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PeerCertificateTest {

  @Test
  void ofReadsTheSubjectInRfc4514FormAndItsCommonName(@TempDir Path dir) throws Exception {
    TestCertificates certs = TestCertificates.create(dir);
    X509Certificate client = PemFiles.certificates("client", certs.client.certificate())[0];
    assertThat(PeerCertificate.of(client))
        .isEqualTo(new PeerCertificate("client", "CN=client,O=Org,C=CN"));
    X509Certificate ca = PemFiles.certificates("ca", certs.ca)[0];
    assertThat(PeerCertificate.of(ca).cn()).isEqualTo("exproto test CA");
    assertThat(PeerCertificate.of(ca).dn()).isEqualTo("CN=exproto test CA,O=Org,C=CN");
  }

  @Test
  void nullPartsAreRefused() {
    assertThatThrownBy(() -> new PeerCertificate(null, "")).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> new PeerCertificate("", null)).isInstanceOf(NullPointerException.class);
  }
}
