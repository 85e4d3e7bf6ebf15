package io.exproto.authn.internal;

import java.util.HashSet;
import java.util.Set;

/** The settings a block accepts: a backend's own keys plus the block's. Not API. */
public final class ConfigKeys {
  private ConfigKeys() {}

  /** {@code backend} and {@code more}, as one immutable set. */
  public static Set<String> union(Set<String> backend, String... more) {
    Set<String> keys = new HashSet<>(backend);
    keys.addAll(Set.of(more));
    return Set.copyOf(keys);
  }
}
