package io.cfsync.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.google.common.collect.ImmutableList;
import io.cfsync.backend.Plan;
import io.cfsync.error.ExitCode;
import io.cfsync.error.SafetyRefusal;
import io.cfsync.model.Diff;
import io.cfsync.model.Prefix;
import io.cfsync.model.PrefixSet;
import io.cfsync.testing.Fixtures;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class GuardTest {

  private static PrefixSet set(String... cidrs) {
    return PrefixSet.of(Arrays.stream(cidrs).map(Prefix::parse).toList());
  }

  private static Plan plan(PrefixSet before, PrefixSet after) {
    return new Plan("test", Diff.between(before, after), ImmutableList.of(), ImmutableList.of(),
        ImmutableList.of());
  }

  @Test
  void letsThe2021To2022ChangeThroughAtTheDefaultLimit() {
    // 104.28.0.0/14 out of the 2021 list is about 14.7% of its addresses.
    Plan p = plan(PrefixSet.of(Fixtures.prefixes(Fixtures.text("ips-v4-2021.txt"))),
        PrefixSet.of(Fixtures.prefixes(Fixtures.v4())));
    assertThat(p.diff().removedFraction(io.cfsync.model.Family.V4)).isBetween(0.14, 0.15);
    Guard.checkRemoval(p, 25, false);

    Throwable t = catchThrowable(() -> Guard.checkRemoval(p, 10, false));
    assertThat(t).isInstanceOf(SafetyRefusal.class).hasMessage("refusing to remove 14.7% of the "
        + "ipv4 addresses cfsync allows (1 prefixes; limit --max-removal 10.0%); firewall "
        + "unchanged; check the source, then re-run with --force if the change is intended");
    assertThat(((SafetyRefusal) t).exitCode()).isEqualTo(ExitCode.REFUSED);
  }

  @Test
  void allowsExactlyTheLimitAndRefusesJustAbove() {
    // Four equal /24s: removing one is exactly 25%.
    PrefixSet four = set("198.41.128.0/24", "198.41.129.0/24", "198.41.130.0/24",
        "198.41.131.0/24");
    Guard.checkRemoval(plan(four, four.difference(set("198.41.128.0/24"))), 25, false);
    Throwable t = catchThrowable(() -> Guard.checkRemoval(plan(four,
        four.difference(set("198.41.128.0/24", "198.41.129.0/32"))), 25, false));
    assertThat(t).isInstanceOf(SafetyRefusal.class).hasMessageStartingWith("refusing to remove "
        + "25.1% of the ipv4 addresses cfsync allows (2 prefixes;");
  }

  @Test
  void checksEachFamilyOnItsOwn() {
    PrefixSet before = PrefixSet.of(Fixtures.all());
    PrefixSet noV6 = before.only(io.cfsync.model.Family.V4);
    Throwable t = catchThrowable(() -> Guard.checkRemoval(plan(before, noV6), 25, false));
    assertThat(t).isInstanceOf(SafetyRefusal.class).hasMessageStartingWith("refusing to remove "
        + "100.0% of the ipv6 addresses cfsync allows (7 prefixes;");
  }

  @Test
  void letsForceThroughAndIgnoresAdditions() {
    PrefixSet before = PrefixSet.of(Fixtures.all());
    Guard.checkRemoval(plan(before, PrefixSet.empty()), 25, true);
    Guard.checkRemoval(plan(PrefixSet.empty(), before), 0, false);
    Guard.checkRemoval(plan(before, before.union(set("203.1.113.0/24"))), 0, false);
    assertThat(catchThrowable(() -> Guard.checkRemoval(plan(before, PrefixSet.empty()), 100,
        false))).isNull();
  }

  @Test
  void weighsAddressesNotPrefixCounts() {
    // Reshaping many prefixes into the same coverage removes nothing.
    PrefixSet before = set("104.16.0.0/13", "104.24.0.0/14");
    PrefixSet after = set("104.16.0.0/14", "104.20.0.0/14", "104.24.0.0/15", "104.26.0.0/15");
    Guard.checkRemoval(plan(before, after), 0, false);
  }
}
