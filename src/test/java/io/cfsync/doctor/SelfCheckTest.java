package io.cfsync.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.collect.ImmutableList;
import io.cfsync.model.Prefix;
import io.cfsync.source.Fetched;
import io.cfsync.state.CachedList;
import io.cfsync.state.ListCache;
import io.cfsync.state.StateDir;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SelfCheckTest {

  private static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");

  @TempDir
  Path dir;

  private StateDir state() {
    return new StateDir(dir.resolve("state"));
  }

  private static ImmutableList<Prefix> cloudflare() {
    return Fixtures.text("cloudflare-ips.txt").lines().map(Prefix::parse)
        .collect(ImmutableList.toImmutableList());
  }

  private void cache(String source, Instant at) {
    new ListCache(state()).store(new Fetched(source, cloudflare(), ImmutableList.of(),
        Optional.empty(), false, Optional.empty()), at);
  }

  private SelfCheck self() {
    return new SelfCheck(state(), NOW, Duration.ofDays(2));
  }

  @Test
  void aRecentCacheIsTheReferenceAndOk() {
    cache("cloudflare", NOW.minus(Duration.ofHours(3)));
    List<String> warnings = new ArrayList<>();
    List<CachedList> caches = self().caches(warnings);
    assertThat(caches).singleElement().satisfies(c -> assertThat(c.source())
        .isEqualTo("cloudflare"));
    SelfCheck.Reference ref = SelfCheck.reference(caches);
    assertThat(ref.name()).isEqualTo("the cached list of cloudflare (2026-11-25T09:00:00Z)");
    assertThat(ref.prefixes()).hasSize(22);
    Finding f = self().cache(caches, warnings);
    assertThat(f.status()).isEqualTo(Status.OK);
    assertThat(f.message()).isEqualTo("Cloudflare's lists were last fetched "
        + "2026-11-25T09:00:00Z (3 h ago) (22 prefixes, source cloudflare)");
  }

  @Test
  void anOldCacheMeansTheFallbackHasBeenInUse() {
    cache("cloudflare", NOW.minus(Duration.ofDays(5)));
    List<String> w = new ArrayList<>();
    Finding f = self().cache(self().caches(w), w);
    assertThat(f.status()).isEqualTo(Status.WARN);
    assertThat(f.message()).contains("(5 days ago)").contains("add-only fallback");
    assertThat(f.fix()).hasValueSatisfying(x -> assertThat(x).contains("cfsync fetch -v"));
  }

  @Test
  void noCacheFallsBackToTheBuiltInSnapshotAndWarns() {
    List<String> w = new ArrayList<>();
    List<CachedList> caches = self().caches(w);
    assertThat(SelfCheck.reference(caches).name()).startsWith("the built-in snapshot of ");
    assertThat(SelfCheck.reference(caches).prefixes()).hasSizeGreaterThan(15);
    Finding f = self().cache(caches, w);
    assertThat(f.status()).isEqualTo(Status.WARN);
    assertThat(f.message()).startsWith("no cached list in ");
  }

  @Test
  void aDamagedCacheIsReportedNotTrusted() throws Exception {
    cache("cloudflare", NOW.minus(Duration.ofHours(1)));
    Path file;
    try (var s = Files.list(state().root())) {
      file = s.filter(p -> p.getFileName().toString().startsWith("cache-")).findFirst()
          .orElseThrow();
    }
    Files.writeString(file, Files.readString(file).replace("173.245.48.0/20", "173.245.0.0/16"));
    List<String> w = new ArrayList<>();
    List<CachedList> caches = self().caches(w);
    assertThat(caches).isEmpty();
    assertThat(w).singleElement().satisfies(x -> assertThat(x).contains("sha256"));
    assertThat(self().cache(caches, w).message()).contains("sha256");
  }

  @Test
  void theLastApplyRecordSaysWhenItFailedOrFellBack() throws Exception {
    assertThat(self().runRecord()).isEmpty();
    state().writeAtomically(SelfCheck.RUN_RECORD, ("last_success=2026-11-25T11:00:00Z\n"
        + "last_run=2026-11-25T11:00:00Z\nlast_exit_code=0\nfallback=false\n").getBytes());
    assertThat(self().runRecord()).hasValueSatisfying(f -> {
      assertThat(f.status()).isEqualTo(Status.OK);
      assertThat(f.name()).isEqualTo("cfsync last-apply");
    });
    state().writeAtomically(SelfCheck.RUN_RECORD, ("last_success=2026-11-25T11:00:00Z\n"
        + "last_exit_code=0\nfallback=true\n").getBytes());
    assertThat(self().runRecord()).hasValueSatisfying(f -> {
      assertThat(f.status()).isEqualTo(Status.WARN);
      assertThat(f.message()).contains("fallback list (add-only)");
    });
    state().writeAtomically(SelfCheck.RUN_RECORD, ("last_success=2026-11-20T11:00:00Z\n"
        + "last_run=2026-11-25T11:00:00Z\nlast_exit_code=3\n").getBytes());
    assertThat(self().runRecord()).hasValueSatisfying(f -> {
      assertThat(f.status()).isEqualTo(Status.WARN);
      assertThat(f.message()).isEqualTo("the last apply at 2026-11-25T11:00:00Z exited 3; "
          + "last success 2026-11-20T11:00:00Z");
    });
  }

  @Test
  void theScheduleIsTheTimerOrACronEntry() throws Exception {
    Path cron = Files.createDirectories(dir.resolve("cron.d"));
    CannedRunner active = new CannedRunner().on("systemctl is-active cfsync.timer", "active\n");
    assertThat(self().scheduler(active, true, cron).status()).isEqualTo(Status.OK);
    CannedRunner inactive = new CannedRunner().on("systemctl is-active cfsync.timer", 3,
        "inactive\n", "");
    Finding off = self().scheduler(inactive, true, cron);
    assertThat(off.status()).isEqualTo(Status.WARN);
    assertThat(off.fix()).hasValue("`systemctl enable --now cfsync.timer`");
    Finding noSystemd = self().scheduler(new CannedRunner(), false, cron);
    assertThat(noSystemd.status()).isEqualTo(Status.WARN);
    Files.writeString(cron.resolve("cfsync"), "# hourly\n17 * * * * root cfsync apply -q\n");
    Finding viaCron = self().scheduler(new CannedRunner(), false, cron);
    assertThat(viaCron.status()).isEqualTo(Status.OK);
    assertThat(viaCron.message()).contains("cron.d/cfsync runs cfsync");
  }
}
