package io.cfsync.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.collect.ImmutableMap;
import io.cfsync.backend.Backend;
import io.cfsync.backend.Desired;
import io.cfsync.backend.Installed;
import io.cfsync.backend.Plan;
import io.cfsync.backend.Policy;
import io.cfsync.error.BackendFailure;
import io.cfsync.exec.ProcessRunner;
import io.cfsync.model.Prefix;
import io.cfsync.model.PrefixSet;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The own-rules check against the Backend seam, with test-only backends: the real ones live
 * on other branches; the check only calls {@link Backend#read}.
 */
class OwnRulesCheckTest {

  /** A backend whose read returns a fixed state (or fails like a missing tool). */
  record FixedBackend(String name, PrefixSet prefixes, boolean present, boolean fails)
      implements Backend {
    @Override
    public Policy defaultPolicy() {
      return Policy.ALLOW;
    }

    @Override
    public Installed read(ProcessRunner run) {
      if (fails) {
        throw new BackendFailure(name + " could not be started (No such file or directory)");
      }
      return new Installed() {
        @Override
        public PrefixSet prefixes() {
          return prefixes;
        }

        @Override
        public boolean present() {
          return present;
        }
      };
    }

    @Override
    public Plan plan(Installed now, Desired want) {
      throw new UnsupportedOperationException("doctor never plans");
    }
  }

  static final PrefixSet CURRENT = PrefixSet.of(
      Fixtures.text("cloudflare-ips.txt").lines().map(Prefix::parse).toList());
  /** Cloudflare's 2021 IPv4 list: 104.16.0.0/12 covers today's /13 and /14 and 104.28/14. */
  static final PrefixSet V4_2021 = PrefixSet.of(
      Fixtures.text("cloudflare-ips-v4-2021.txt").lines().map(Prefix::parse).toList());

  private static Map<String, Supplier<Backend>> backends(Backend... bs) {
    ImmutableMap.Builder<String, Supplier<Backend>> b = ImmutableMap.builder();
    for (Backend x : bs) {
      b.put(x.name(), () -> x);
    }
    return b.buildOrThrow();
  }

  @Test
  void rulesMatchingTheListByAddressesAreOk() {
    // Same addresses, other prefixes: 104.16.0.0/13 + 104.24.0.0/14 as one nft range.
    PrefixSet merged = CURRENT.union(PrefixSet.ofInclusiveRange(
        com.google.common.net.InetAddresses.forString("104.16.0.0"),
        com.google.common.net.InetAddresses.forString("104.27.255.255")));
    Finding f = OwnRulesCheck.judge("nftables", merged, CURRENT, "the list");
    assertThat(f.status()).isEqualTo(Status.OK);
    assertThat(f.message()).isEqualTo("cfsync's nftables rules cover exactly the list "
        + "(15 IPv4 + 7 IPv6 prefixes)");
  }

  @Test
  void staleOnlyIsAWarningNamingThePrefixes() {
    Finding f = OwnRulesCheck.judge("ipset", V4_2021.union(CURRENT.only(
        io.cfsync.model.Family.V6)), CURRENT, "the list");
    assertThat(f.status()).isEqualTo(Status.WARN);
    assertThat(f.message()).contains("104.28.0.0/14").contains("stale");
    assertThat(f.fix()).hasValueSatisfying(x -> assertThat(x)
        .startsWith("run `cfsync apply --backend ipset`"));
    assertThat(f.details().get("stale")).isEqualTo(List.of("104.28.0.0/14"));
  }

  @Test
  void missingPrefixesAreAFailEvenWithStaleOnes() {
    PrefixSet installed = V4_2021.difference(PrefixSet.of(Prefix.parse("172.64.0.0/13")))
        .union(CURRENT.only(io.cfsync.model.Family.V6));
    Finding f = OwnRulesCheck.judge("nftables", installed, CURRENT, "the list");
    assertThat(f.status()).isEqualTo(Status.FAIL);
    assertThat(f.message()).isEqualTo("cfsync's nftables rules lack 1 Cloudflare prefix(es) of "
        + "the list: 172.64.0.0/13 (521/522 for those edges); and still hold 1 stale: "
        + "104.28.0.0/14");
  }

  @Test
  void aFamilyThatIsNotManagedAtAllIsNotCountedMissing() {
    Finding f = OwnRulesCheck.judge("iptables", CURRENT.only(io.cfsync.model.Family.V4),
        CURRENT, "the list");
    assertThat(f.status()).isEqualTo(Status.OK);
    assertThat(f.message()).endsWith("; no ipv6 prefixes at all (--family?)");
  }

  @Test
  void readsEveryBackendAndIgnoresAbsentOrUnreadableOnes() {
    List<Finding> f = new OwnRulesCheck(backends(
        new FixedBackend("ufw", PrefixSet.empty(), false, true),
        new FixedBackend("iptables", PrefixSet.empty(), false, false),
        new FixedBackend("nftables", CURRENT, true, false)), new CannedRunner())
        .run(CURRENT, "the list");
    assertThat(f).singleElement().satisfies(x -> {
      assertThat(x.name()).isEqualTo("own-rules nftables");
      assertThat(x.status()).isEqualTo(Status.OK);
    });
  }

  @Test
  void nothingInstalledAnywhereIsAWarningToApply() {
    List<Finding> f = new OwnRulesCheck(backends(
        new FixedBackend("nftables", PrefixSet.empty(), false, false)), new CannedRunner())
        .run(CURRENT, "the list");
    assertThat(f).singleElement().satisfies(x -> {
      assertThat(x.status()).isEqualTo(Status.WARN);
      assertThat(x.message()).isEqualTo("cfsync's rules are not installed (looked in nftables)");
      assertThat(x.fix()).hasValueSatisfying(y -> assertThat(y).startsWith("run `cfsync apply`"));
    });
  }

  @Test
  void aBuildWithoutBackendsSaysSo() {
    assertThat(new OwnRulesCheck(Map.of(), new CannedRunner()).run(CURRENT, "the list"))
        .singleElement().satisfies(x -> assertThat(x.status()).isEqualTo(Status.WARN));
  }
}
