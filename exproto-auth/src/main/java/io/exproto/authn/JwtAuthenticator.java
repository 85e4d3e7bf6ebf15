package io.exproto.authn;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.exproto.auth.Credentials;
import io.exproto.authn.internal.RateLimitedLog;
import io.exproto.authn.internal.Template;
import io.exproto.authn.internal.Vars;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * EMQX's {@code jwt} authenticator: the token comes in the password (or username, {@code from});
 * its signature is checked with an HMAC {@code secret} ({@code algorithm = hmac-based}, HS256/384/
 * 512, any secret length as in EMQX), a PEM {@code public_key} ({@code algorithm = public-key},
 * RSA or EC: RS*, PS*, ES*), or a JWK set fetched from {@code endpoint} ({@code use_jwks = true},
 * refreshed every {@code refresh_interval}, default 5 minutes, and at once, at most every 2 s, when
 * a token names a key id it does not have). Then {@code exp} and {@code nbf} are checked, and each
 * {@code verify_claims} entry must equal the claim ({@code ${clientid}} and {@code ${username}}
 * rendered). {@code is_superuser} comes from the claim of that name, and {@code exp} closes the
 * connection then ({@code disconnect_after_expire}, default true).
 *
 * <p>Answers as EMQX: a missing or malformed token, or a signature no key verifies, is ignore; an
 * expired token or a claim that does not match is deny. Verification is CPU-only and fast, done
 * inline; only JWKS fetching is remote, asynchronous, with a timeout. Thread-safe.
 */
public final class JwtAuthenticator implements AuthenticationProvider {
  private static final Logger log = LoggerFactory.getLogger(JwtAuthenticator.class);
  private static final Set<String> KEYS = Set.of("mechanism", "enable", "from", "algorithm",
      "secret", "secret_base64_encoded", "public_key", "use_jwks", "endpoint",
      "refresh_interval", "ssl", "verify_claims", "disconnect_after_expire", "acl_claim_name",
      "pool_size", "headers", "request_timeout");

  private final boolean fromPassword;
  private final byte[] secret; // hmac
  private final JWK publicKey; // public-key
  private final Map<String, Template> verifyClaims;
  private final boolean disconnectAfterExpire;
  // JWKS
  private final URI endpoint;
  private final HttpClient http;
  private final ScheduledExecutorService refresher;
  private final Duration requestTimeout;
  private volatile List<JWK> jwks = List.of();
  private volatile CompletableFuture<List<JWK>> refreshing;
  private volatile long lastRefreshNanos;
  private final RateLimitedLog warn = new RateLimitedLog(log);

  private JwtAuthenticator(ConfigReader c) {
    c.refuseUnknown(KEYS);
    this.fromPassword = c.oneOf("from", "password", "password", "username").equals("password");
    this.disconnectAfterExpire = c.bool("disconnect_after_expire", true);
    Map<String, Template> claims = new LinkedHashMap<>();
    Object vc = c.raw("verify_claims");
    if (vc instanceof List<?> list) {
      // EMQX also accepts [{name, value}] pairs, given as two-element lists here
      for (Object o : list) {
        if (!(o instanceof List<?> pair) || pair.size() != 2) {
          throw c.error("verify_claims", "expected an object { claim = value }");
        }
        claims.put(String.valueOf(pair.get(0)), Template.parse(String.valueOf(pair.get(1)),
            Set.of("clientid", "username"), c.at("verify_claims")));
      }
    } else {
      ConfigReader v = c.object("verify_claims");
      for (String k : v.keys()) {
        claims.put(k, Template.parse(v.string(k, ""), Set.of("clientid", "username"), v.at(k)));
      }
    }
    this.verifyClaims = Map.copyOf(claims);
    boolean useJwks = c.bool("use_jwks", false);
    if (useJwks) {
      String e = c.requiredString("endpoint");
      try {
        this.endpoint = URI.create(e);
        if (endpoint.getHost() == null) {
          throw new IllegalArgumentException("no host");
        }
      } catch (IllegalArgumentException bad) {
        throw c.error("endpoint", "'" + e + "' is not an http(s) URL: " + bad.getMessage());
      }
      Duration refresh = c.positiveDuration("refresh_interval", Duration.ofMinutes(5));
      this.requestTimeout = c.positiveDuration("request_timeout", Duration.ofSeconds(5));
      this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(requestTimeout).build();
      this.refresher = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "exproto-authn-jwks");
        t.setDaemon(true);
        return t;
      });
      this.secret = null;
      this.publicKey = null;
      refresh();
      refresher.scheduleWithFixedDelay(this::refresh, refresh.toMillis(), refresh.toMillis(),
          TimeUnit.MILLISECONDS);
      return;
    }
    this.endpoint = null;
    this.http = null;
    this.refresher = null;
    this.requestTimeout = null;
    String alg = c.oneOf("algorithm", null, "hmac-based", "public-key");
    if (alg == null) {
      throw c.error("algorithm", "required unless use_jwks = true: hmac-based or public-key");
    }
    if (alg.equals("hmac-based")) {
      String s = c.requiredString("secret");
      if (c.bool("secret_base64_encoded", false)) {
        try {
          this.secret = Base64.getDecoder().decode(s);
        } catch (IllegalArgumentException bad) {
          throw c.error("secret", "secret_base64_encoded is true but the secret is not base64");
        }
      } else {
        this.secret = s.getBytes(StandardCharsets.UTF_8);
      }
      this.publicKey = null;
    } else {
      String pem = c.requiredString("public_key");
      try {
        this.publicKey = JWK.parseFromPEMEncodedObjects(pem);
      } catch (JOSEException | RuntimeException bad) {
        throw c.error("public_key", "not a PEM RSA or EC public key: " + bad.getMessage());
      }
      this.secret = null;
    }
  }

  /**
   * Reads EMQX's jwt authenticator block.
   *
   * @throws IllegalArgumentException naming the setting that is wrong
   */
  public static JwtAuthenticator fromConfig(ConfigReader c) {
    return new JwtAuthenticator(c);
  }

  @Override
  public String id() {
    return "jwt";
  }

  @Override
  public CompletionStage<AuthnOutcome> authenticate(Credentials c) {
    String token = fromPassword ? c.password() : c.username();
    if (token.isEmpty()) {
      return CompletableFuture.completedStage(AuthnOutcome.ignore("no token"));
    }
    SignedJWT jwt;
    try {
      jwt = SignedJWT.parse(token);
    } catch (ParseException | RuntimeException bad) {
      return CompletableFuture.completedStage(AuthnOutcome.ignore("not a signed JWT"));
    }
    if (endpoint == null) {
      return CompletableFuture.completedStage(secret != null ? verifyHmac(jwt, c)
          : verifyWith(List.of(publicKey), jwt, c));
    }
    String kid = jwt.getHeader().getKeyID();
    List<JWK> keys = jwks;
    if (kid != null && keys.stream().noneMatch(k -> kid.equals(k.getKeyID()))
        && System.nanoTime() - lastRefreshNanos > 2_000_000_000L) {
      return refresh().handle((k, e) -> verifyWith(jwks, jwt, c));
    }
    return CompletableFuture.completedStage(verifyWith(keys, jwt, c));
  }

  private AuthnOutcome verifyHmac(SignedJWT jwt, Credentials c) {
    JWSAlgorithm alg = jwt.getHeader().getAlgorithm();
    String mac;
    if (JWSAlgorithm.HS256.equals(alg)) {
      mac = "HmacSHA256";
    } else if (JWSAlgorithm.HS384.equals(alg)) {
      mac = "HmacSHA384";
    } else if (JWSAlgorithm.HS512.equals(alg)) {
      mac = "HmacSHA512";
    } else {
      return AuthnOutcome.ignore("algorithm " + alg + " is not HMAC");
    }
    try {
      Mac m = Mac.getInstance(mac);
      m.init(new SecretKeySpec(secret, mac));
      byte[] expected = m.doFinal(jwt.getSigningInput());
      if (!MessageDigest.isEqual(expected, jwt.getSignature().decode())) {
        return AuthnOutcome.ignore("invalid signature");
      }
    } catch (GeneralSecurityException e) {
      return AuthnOutcome.ignore("cannot verify: " + e.getMessage());
    }
    return claims(jwt, c);
  }

  private AuthnOutcome verifyWith(List<JWK> keys, SignedJWT jwt, Credentials c) {
    JWSHeader h = jwt.getHeader();
    for (JWK k : keys) {
      if (h.getKeyID() != null && k.getKeyID() != null && !h.getKeyID().equals(k.getKeyID())) {
        continue;
      }
      try {
        JWSVerifier v;
        if (k instanceof RSAKey rsa && JWSAlgorithm.Family.RSA.contains(h.getAlgorithm())) {
          v = new RSASSAVerifier(rsa);
        } else if (k instanceof ECKey ec && JWSAlgorithm.Family.EC.contains(h.getAlgorithm())) {
          v = new ECDSAVerifier(ec);
        } else {
          continue;
        }
        if (jwt.verify(v)) {
          return claims(jwt, c);
        }
      } catch (JOSEException | RuntimeException e) {
        log.debug("jwt: key {} cannot verify: {}", k.getKeyID(), e.toString());
      }
    }
    return AuthnOutcome.ignore("invalid signature");
  }

  private AuthnOutcome claims(SignedJWT jwt, Credentials c) {
    JWTClaimsSet claims;
    try {
      claims = jwt.getJWTClaimsSet();
    } catch (ParseException e) {
      return AuthnOutcome.deny("bad username or password");
    }
    Instant now = Instant.now();
    Date exp = claims.getExpirationTime();
    if (exp != null && !exp.toInstant().isAfter(now)) {
      return AuthnOutcome.deny("token expired");
    }
    Date nbf = claims.getNotBeforeTime();
    if (nbf != null && nbf.toInstant().isAfter(now)) {
      return AuthnOutcome.deny("token not valid yet");
    }
    var vars = Vars.of(c);
    for (Map.Entry<String, Template> e : verifyClaims.entrySet()) {
      Object actual = claims.getClaim(e.getKey());
      String expected = e.getValue().render(vars);
      if (actual == null || !String.valueOf(actual).equals(expected)) {
        return AuthnOutcome.deny("bad username or password");
      }
    }
    Object su = claims.getClaim("is_superuser");
    boolean superuser = su instanceof Boolean b ? b : su != null && (su.toString().equals("true")
        || su.toString().equals("1"));
    return AuthnOutcome.allow(superuser, disconnectAfterExpire && exp != null
        ? exp.toInstant() : null);
  }

  private synchronized CompletableFuture<List<JWK>> refresh() {
    CompletableFuture<List<JWK>> inFlight = refreshing;
    if (inFlight != null && !inFlight.isDone()) {
      return inFlight;
    }
    lastRefreshNanos = System.nanoTime();
    HttpRequest req = HttpRequest.newBuilder(endpoint).timeout(requestTimeout).GET().build();
    CompletableFuture<List<JWK>> f = http.sendAsync(req, HttpResponse.BodyHandlers.ofString())
        .thenApply(r -> {
          if (r.statusCode() != 200) {
            throw new IllegalStateException("status " + r.statusCode());
          }
          try {
            return JWKSet.parse(r.body()).getKeys();
          } catch (ParseException e) {
            throw new IllegalStateException("not a JWK set: " + e.getMessage());
          }
        });
    f.whenComplete((keys, e) -> {
      if (e != null) {
        warn.warn("jwks", "jwt: cannot fetch the JWK set from " + endpoint + ": "
            + (e.getCause() != null ? e.getCause() : e) + "; keeping " + jwks.size() + " keys");
      } else {
        jwks = List.copyOf(keys);
        log.debug("jwt: {} keys from {}", keys.size(), endpoint);
      }
    });
    refreshing = f;
    return f;
  }

  /** The keys fetched last from the JWKS endpoint (empty without JWKS). */
  public List<JWK> jwks() {
    return jwks;
  }

  @Override
  public void close() {
    if (refresher != null) {
      refresher.shutdownNow();
    }
  }
}
