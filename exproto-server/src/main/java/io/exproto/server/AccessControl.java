package io.exproto.server;

import io.exproto.authn.AuthenticationChain;
import io.exproto.authn.AuthenticationChainAdmin;
import io.exproto.authn.Authenticators;
import io.exproto.authz.AuthorizationService;
import io.exproto.gateway.GatewayBuilder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * EMQX's {@code gateway.exproto.authentication} and top-level {@code authorization} from the
 * config file, if any. Relative paths (ACL files, the built-in database under {@code data/}) are
 * resolved against the working directory, as EMQX resolves its {@code etc/} and {@code data/}.
 *
 * <p>The authenticator is always a chain, empty without {@code authentication} (an empty chain
 * allows everyone, as no authenticator does), with an {@link AuthenticationChainAdmin} over it, so
 * that the HTTP API can create, change and delete the authenticator and its built-in users at
 * runtime. {@link #close()} releases them, after the gateway has stopped.
 */
final class AccessControl implements AutoCloseable {
  private final AuthenticationChain authentication;
  private final AuthenticationChainAdmin authenticationAdmin;
  private final AuthorizationService authorization; // null: allow all

  private AccessControl(AuthenticationChain authentication,
      AuthenticationChainAdmin authenticationAdmin, AuthorizationService authorization) {
    this.authentication = authentication;
    this.authenticationAdmin = authenticationAdmin;
    this.authorization = authorization;
  }

  /**
   * Reads the blocks of {@code file} (null: no config file).
   *
   * @throws IllegalArgumentException naming the setting that is wrong
   */
  static AccessControl of(GatewayConfigFile file) {
    Path cwd = Path.of("").toAbsolutePath();
    Path dataDir = cwd.resolve("data");
    Object authn = file == null ? null : file.authentication();
    AuthenticationChain authentication = authn == null ? new AuthenticationChain()
        : Authenticators.chain(authn, "gateway.exproto.authentication", dataDir);
    AuthenticationChainAdmin admin = null;
    try {
      admin = new AuthenticationChainAdmin(authentication, dataDir, authenticationBlocks(authn));
      AuthorizationService authorization = file == null || file.authorization() == null ? null
          : AuthorizationService.fromConfig(file.authorization(), "authorization", cwd);
      return new AccessControl(authentication, admin, authorization);
    } catch (RuntimeException ex) {
      new AccessControl(authentication, admin, null).close();
      throw ex;
    }
  }

  /** Sets the gateway's authenticator, its admin and, if configured, its authorizer. */
  void configure(GatewayBuilder b) {
    b.authenticator(authentication);
    b.authenticationAdmin(authenticationAdmin);
    if (authorization != null) {
      b.authorizer(authorization);
    }
  }

  /** {@code authentication} (one object or a list) as the list of its objects. */
  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> authenticationBlocks(Object authn) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Object o : authn instanceof List<?> l ? l : authn == null ? List.of() : List.of(authn)) {
      if (o instanceof Map<?, ?> m) {
        out.add((Map<String, Object>) m);
      }
    }
    return out;
  }

  @Override
  public void close() {
    if (authenticationAdmin != null) {
      authenticationAdmin.close(); // lets a user write in progress finish
    }
    authentication.close();
    if (authorization != null) {
      authorization.close();
    }
  }
}
