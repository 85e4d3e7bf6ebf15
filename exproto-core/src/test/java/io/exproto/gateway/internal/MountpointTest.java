package io.exproto.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MountpointTest {

  @Test
  void anEmptyTemplateIsNoMountpointAndChangesNothing() {
    Mountpoint none = Mountpoint.resolve("", "c1", "u1");
    assertThat(none).isSameAs(Mountpoint.NONE);
    assertThat(none.isEmpty()).isTrue();
    assertThat(none.mountName("a/b")).isEqualTo("a/b");
    assertThat(none.mountFilter("$share/g/a/#")).isEqualTo("$share/g/a/#");
    assertThat(none.unmount("a/b")).isEqualTo("a/b");
  }

  @Test
  void placeholdersAreResolvedEveryTimeTheyAppear() {
    Mountpoint m = Mountpoint.resolve("dev/${clientid}/${username}/${clientid}/", "c1", "u1");
    assertThat(m.prefix()).isEqualTo("dev/c1/u1/c1/");
    assertThat(m.isEmpty()).isFalse();
    // Other ${...} are kept as written: only the two EMQX placeholders of a mountpoint resolve.
    assertThat(Mountpoint.resolve("x/${peerhost}/", "c1", "u1").prefix()).isEqualTo("x/${peerhost}/");
  }

  @Test
  void namesAndFiltersAreMountedAndDeliveriesUnmounted() {
    Mountpoint m = Mountpoint.resolve("site/", "c1", "u1");
    assertThat(m.mountName("t/1")).isEqualTo("site/t/1");
    assertThat(m.mountFilter("t/+")).isEqualTo("site/t/+");
    assertThat(m.mountFilter("#")).isEqualTo("site/#");
    assertThat(m.unmount("site/t/1")).isEqualTo("t/1");
    // A topic outside the mountpoint (a subscription made before a change, say) is left as is.
    assertThat(m.unmount("other/t/1")).isEqualTo("other/t/1");
  }

  @Test
  void aSharedFilterKeepsItsGroupInFrontOfTheMountpoint() {
    Mountpoint m = Mountpoint.resolve("site/", "c1", "u1");
    assertThat(m.mountFilter("$share/g1/t/#")).isEqualTo("$share/g1/site/t/#");
  }
}
