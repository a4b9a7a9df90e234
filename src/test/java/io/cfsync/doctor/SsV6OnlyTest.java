package io.cfsync.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SsV6OnlyTest {

  @Test
  void mapsEachIpv6SocketInodeToItsV6onlyFlag() {
    var m = SsV6Only.parse(Fixtures.text("ss-ltne.txt"));
    assertThat(m).containsEntry(498468L, true)   // [::]:80 ipv6only=1
        .containsEntry(498469L, false)           // [::]:8444 dual-stack
        .containsEntry(498447L, false)           // [::ffff:127.0.0.1]:8443
        .doesNotContainKey(498459L);             // 0.0.0.0:80 has no such flag
  }
}
