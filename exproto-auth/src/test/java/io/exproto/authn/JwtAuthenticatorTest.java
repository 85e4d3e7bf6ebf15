package io.exproto.authn;

import static io.exproto.authn.BuiltInDatabaseTest.check;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import io.exproto.auth.Credentials;
import io.exproto.authn.ConfigReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class JwtAuthenticatorTest {

  static Credentials creds(String clientId, String token) {
    return new Credentials(clientId, "alice", token, new InetSocketAddress("127.0.0.1", 1), null,
        "default", "exproto");
  }

  static JWTClaimsSet.Builder claims(long expInSeconds) {
    return new JWTClaimsSet.Builder().claim("clientid", "c1").claim("username", "alice")
        .expirationTime(Date.from(Instant.now().plusSeconds(expInSeconds)));
  }

  /** An HS256 token made with the JDK's Mac directly: any secret length, as EMQX accepts. */
  static String hs256(String secret, JWTClaimsSet claims) throws Exception {
    String head = Base64URL.encode("{\"alg\":\"HS256\",\"typ\":\"JWT\"}").toString();
    String body = Base64URL.encode(claims.toString()).toString();
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    return head + "." + body + "." + Base64URL.encode(mac.doFinal((head + "." + body)
        .getBytes(StandardCharsets.US_ASCII)));
  }

  static String sign(JWSSigner signer, JWSAlgorithm alg, String kid, JWTClaimsSet claims)
      throws Exception {
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(alg).keyID(kid)
        .type(JOSEObjectType.JWT).build(), claims);
    jwt.sign(signer);
    return jwt.serialize();
  }

  static JwtAuthenticator jwt(Map<String, Object> cfg) {
    Map<String, Object> m = new HashMap<>(cfg);
    m.put("mechanism", "jwt");
    return JwtAuthenticator.fromConfig(new ConfigReader(m, "authentication"));
  }

  @Test
  void hmacWithAShortSecretVerifyClaimsExpAndSuperuser() throws Exception {
    try (JwtAuthenticator a = jwt(Map.of("algorithm", "hmac-based", "secret", "emqxsecret",
        "verify_claims", Map.of("clientid", "${clientid}")))) {
      String ok = hs256("emqxsecret", claims(60).claim("is_superuser", true).build());
      AuthnOutcome o = check(a, creds("c1", ok));
      assertThat(o.kind()).isEqualTo(AuthnOutcome.Kind.ALLOW);
      assertThat(o.superuser()).isTrue();
      assertThat(o.expireAt()).isBetween(Instant.now().plusSeconds(50),
          Instant.now().plusSeconds(61));
      assertThat(check(a, creds("other-client", ok)).kind()).as("verify_claims")
          .isEqualTo(AuthnOutcome.Kind.DENY);
      assertThat(check(a, creds("c1", hs256("emqxsecret", claims(-10).build()))).kind())
          .as("expired").isEqualTo(AuthnOutcome.Kind.DENY);
      assertThat(check(a, creds("c1", hs256("wrong", claims(60).build()))).kind())
          .as("bad signature").isEqualTo(AuthnOutcome.Kind.IGNORE);
      assertThat(check(a, creds("c1", "not.a.jwt")).kind()).isEqualTo(AuthnOutcome.Kind.IGNORE);
      assertThat(check(a, creds("c1", "")).kind()).isEqualTo(AuthnOutcome.Kind.IGNORE);
    }
    String b64 = Base64.getEncoder().encodeToString("emqxsecret".getBytes(StandardCharsets.UTF_8));
    try (JwtAuthenticator a = jwt(Map.of("algorithm", "hmac-based", "secret", b64,
        "secret_base64_encoded", true, "disconnect_after_expire", false))) {
      AuthnOutcome o = check(a, creds("c1", hs256("emqxsecret", claims(60).build())));
      assertThat(o.kind()).isEqualTo(AuthnOutcome.Kind.ALLOW);
      assertThat(o.expireAt()).isNull();
    }
  }

  @Test
  void rsaAndEcPublicKeysFromPem() throws Exception {
    RSAKey rsa = new RSAKeyGenerator(2048).generate();
    ECKey ec = new ECKeyGenerator(Curve.P_256).generate();
    String rsaPem = pem(rsa.toPublicKey().getEncoded());
    String ecPem = pem(ec.toPublicKey().getEncoded());
    try (JwtAuthenticator a = jwt(Map.of("algorithm", "public-key", "public_key", rsaPem))) {
      assertThat(check(a, creds("c1", sign(new RSASSASigner(rsa), JWSAlgorithm.RS256, null,
          claims(60).build()))).kind()).isEqualTo(AuthnOutcome.Kind.ALLOW);
      assertThat(check(a, creds("c1", sign(new ECDSASigner(ec), JWSAlgorithm.ES256, null,
          claims(60).build()))).kind()).isEqualTo(AuthnOutcome.Kind.IGNORE);
    }
    try (JwtAuthenticator a = jwt(Map.of("algorithm", "public-key", "public_key", ecPem))) {
      assertThat(check(a, creds("c1", sign(new ECDSASigner(ec), JWSAlgorithm.ES256, null,
          claims(60).build()))).kind()).isEqualTo(AuthnOutcome.Kind.ALLOW);
    }
  }

  static String pem(byte[] der) {
    return "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes())
        .encodeToString(der) + "\n-----END PUBLIC KEY-----\n";
  }

  @Test
  void jwksFromAnEndpointWithKeyRotation() throws Exception {
    RSAKey k1 = new RSAKeyGenerator(2048).keyID("k1").generate();
    RSAKey k2 = new RSAKeyGenerator(2048).keyID("k2").generate();
    AtomicReference<JWKSet> published = new AtomicReference<>(new JWKSet(k1.toPublicJWK()));
    AtomicInteger fetches = new AtomicInteger();
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/jwks", ex -> {
      fetches.incrementAndGet();
      byte[] b = published.get().toString().getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, b.length);
      ex.getResponseBody().write(b);
      ex.close();
    });
    server.start();
    try (JwtAuthenticator a = jwt(Map.of("use_jwks", true, "endpoint",
        "http://127.0.0.1:" + server.getAddress().getPort() + "/jwks",
        "refresh_interval", "1h"))) {
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5))
          .until(() -> a.jwks().size() == 1);
      assertThat(check(a, creds("c1", sign(new RSASSASigner(k1), JWSAlgorithm.RS256, "k1",
          claims(60).build()))).kind()).isEqualTo(AuthnOutcome.Kind.ALLOW);
      // Rotate: the service now signs with k2 and publishes only k2.
      published.set(new JWKSet(k2.toPublicJWK()));
      Thread.sleep(2100); // the on-unknown-kid refresh is rate-limited to one per 2 s
      int before = fetches.get();
      assertThat(check(a, creds("c1", sign(new RSASSASigner(k2), JWSAlgorithm.RS256, "k2",
          claims(60).build()))).kind()).isEqualTo(AuthnOutcome.Kind.ALLOW);
      assertThat(fetches.get()).isEqualTo(before + 1);
      assertThat(check(a, creds("c1", sign(new RSASSASigner(k1), JWSAlgorithm.RS256, "k1",
          claims(60).build()))).kind()).as("retired key").isEqualTo(AuthnOutcome.Kind.IGNORE);
    } finally {
      server.stop(0);
    }
  }

  @Test
  void badSettingsAreRefusedByPath() {
    assertThatThrownBy(() -> jwt(Map.of("algorithm", "hmac-based")))
        .hasMessageStartingWith("authentication.secret");
    assertThatThrownBy(() -> jwt(Map.of("algorithm", "public-key", "public_key", "nope")))
        .hasMessageStartingWith("authentication.public_key");
    assertThatThrownBy(() -> jwt(Map.of("algorithm", "rot13")))
        .hasMessageStartingWith("authentication.algorithm");
    assertThatThrownBy(() -> jwt(Map.of("use_jwks", true)))
        .hasMessageStartingWith("authentication.endpoint");
    assertThatThrownBy(() -> jwt(Map.of("algorithm", "hmac-based", "secret", "x",
        "verify_claims", Map.of("sub", "${password}"))))
        .hasMessageStartingWith("authentication.verify_claims.sub");
  }
}
