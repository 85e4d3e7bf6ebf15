package io.exproto.authz;

import static io.exproto.authz.AclFileTest.client;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exproto.auth.Authorizer.Action;
import io.exproto.auth.Authorizer.Decision;
import io.exproto.auth.ClientIdentity;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class AuthorizationServiceTest {
  static Decision decide(AuthorizationService s, ClientIdentity c, Action a, String t)
      throws Exception {
    return s.authorize(c, a, t).toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  /** A source that counts its checks and answers what it is told. */
  static final class CountingSource implements AuthorizationSource {
    final AtomicInteger calls = new AtomicInteger();
    volatile AuthzResult answer = AuthzResult.ALLOW;

    @Override
    public String type() {
      return "counting";
    }

    @Override
    public CompletionStage<AuthzResult> authorize(ClientIdentity client, Action action,
        String topic) {
      calls.incrementAndGet();
      return CompletableFuture.completedStage(answer);
    }
  }

  @Test
  void noMatchAndDenyAction() throws Exception {
    ClientIdentity c = client("c", "u", "1.1.1.1");
    AclFile acl = AclFile.of("{deny, all, publish, [\"secret/#\"]}.", "t");
    AuthorizationService allow = AuthorizationService.builder().source(acl).build();
    assertThat(decide(allow, c, Action.PUBLISH, "other")).isEqualTo(Decision.ALLOW);
    assertThat(decide(allow, c, Action.PUBLISH, "secret/x")).isEqualTo(Decision.DENY);
    AuthorizationService strict = AuthorizationService.builder().source(acl).noMatch(false)
        .denyAction(true).build();
    assertThat(decide(strict, c, Action.PUBLISH, "other")).isEqualTo(Decision.DISCONNECT);
    assertThat(decide(strict, c, Action.PUBLISH, "secret/x")).isEqualTo(Decision.DISCONNECT);
    ClientIdentity root = new ClientIdentity("r", "root", c.peer(), "default", null, true);
    assertThat(decide(strict, root, Action.PUBLISH, "secret/x")).isEqualTo(Decision.ALLOW);
  }

  @Test
  void theCacheKeepsDecisionsForTheTtlPerClient() throws Exception {
    AtomicLong now = new AtomicLong();
    CountingSource src = new CountingSource();
    AuthorizationService s = AuthorizationService.builder().source(src)
        .cache(true, 2, Duration.ofSeconds(60)).nanoClock(now::get).build();
    ClientIdentity a = client("a", "u", "1.1.1.1");
    ClientIdentity b = client("b", "u", "1.1.1.1");
    decide(s, a, Action.PUBLISH, "t");
    decide(s, a, Action.PUBLISH, "t");
    assertThat(src.calls).hasValue(1);
    decide(s, b, Action.PUBLISH, "t");
    assertThat(src.calls).as("per client").hasValue(2);
    src.answer = AuthzResult.DENY;
    now.addAndGet(Duration.ofSeconds(59).toNanos());
    assertThat(decide(s, a, Action.PUBLISH, "t")).isEqualTo(Decision.ALLOW);
    now.addAndGet(Duration.ofSeconds(1).toNanos());
    assertThat(decide(s, a, Action.PUBLISH, "t")).as("after ttl").isEqualTo(Decision.DENY);
    // max_size: a third topic pushes out the least recently used.
    int calls = src.calls.get();
    decide(s, a, Action.PUBLISH, "t1");
    decide(s, a, Action.PUBLISH, "t2");
    decide(s, a, Action.PUBLISH, "t");
    assertThat(src.calls.get() - calls).isEqualTo(3);
    s.clearCache();
    decide(s, a, Action.PUBLISH, "t2");
    assertThat(src.calls.get() - calls).isEqualTo(4);
  }

  @Test
  void sourcesInOrderFailuresAreNoMatchAndRuntimeChanges() throws Exception {
    ClientIdentity c = client("c", "u", "1.1.1.1");
    AuthorizationSource failing = new AuthorizationSource() {
      @Override
      public String type() {
        return "http";
      }

      @Override
      public CompletionStage<AuthzResult> authorize(ClientIdentity client, Action action,
          String topic) {
        return CompletableFuture.failedStage(new IllegalStateException("down"));
      }
    };
    AuthorizationService s = AuthorizationService.builder().noMatch(false)
        .cache(false, 1, Duration.ofSeconds(1)).source(failing)
        .source(AclFile.of("{allow, all, publish, [\"ok\"]}.", "t")).build();
    assertThat(decide(s, c, Action.PUBLISH, "ok")).isEqualTo(Decision.ALLOW);
    assertThat(decide(s, c, Action.PUBLISH, "no")).isEqualTo(Decision.DENY);
    s.replaceSource("file", AclFile.of("{allow, all, publish, [\"no\"]}.", "t2"));
    assertThat(decide(s, c, Action.PUBLISH, "no")).isEqualTo(Decision.ALLOW);
    assertThat(s.removeSource("file")).isTrue();
    assertThat(decide(s, c, Action.PUBLISH, "no")).isEqualTo(Decision.DENY);
    assertThatThrownBy(() -> s.addSource(failing)).hasMessageContaining("already");
    assertThat(s.sources()).extracting(AuthorizationSource::type).containsExactly("http");
  }

  @Test
  void emqxConfigBlockLoadsAndBadOnesAreRefusedByPath(@org.junit.jupiter.api.io.TempDir Path dir)
      throws Exception {
    java.nio.file.Files.writeString(dir.resolve("acl.conf"), "{deny, all, subscribe, [\"#\"]}.");
    AuthorizationService s = AuthorizationService.fromConfig(Map.of("no_match", "allow",
        "deny_action", "disconnect", "cache", Map.of("enable", true, "max_size", 32, "ttl", "1m"),
        "sources", List.of(Map.of("type", "file", "enable", true, "path", "acl.conf"),
            Map.of("type", "http", "enable", false, "url", "http://127.0.0.1:1/x"))),
        "authorization", dir);
    assertThat(s.sources()).hasSize(1);
    assertThat(decide(s, client("c", "u", "1.1.1.1"), Action.SUBSCRIBE, "#"))
        .isEqualTo(Decision.DISCONNECT);
    assertThatThrownBy(() -> AuthorizationService.fromConfig(Map.of("sources",
        List.of(Map.of("type", "mysql"))), "authorization", dir))
        .hasMessageStartingWith("authorization.sources[0].type").hasMessageContaining("mysql");
    assertThatThrownBy(() -> AuthorizationService.fromConfig(Map.of("sources",
        List.of(Map.of("type", "file", "path", "missing.conf"))), "authorization", dir))
        .hasMessageStartingWith("authorization.sources[0].path");
    assertThatThrownBy(() -> AuthorizationService.fromConfig(Map.of("no_match", "maybe"),
        "authorization", dir)).hasMessageStartingWith("authorization.no_match");
    assertThatThrownBy(() -> AuthorizationService.fromConfig(Map.of("cache",
        Map.of("ttl", "x")), "authorization", dir))
        .hasMessageStartingWith("authorization.cache.ttl");
    assertThatThrownBy(() -> AuthorizationService.fromConfig(Map.of("extra", 1),
        "authorization", dir)).hasMessageStartingWith("authorization.extra");
  }
}
