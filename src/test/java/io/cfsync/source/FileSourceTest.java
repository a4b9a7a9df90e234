package io.cfsync.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.google.common.collect.ImmutableSet;
import io.cfsync.error.SourceRejected;
import io.cfsync.error.SourceUnavailable;
import io.cfsync.model.Family;
import io.cfsync.testing.Fixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSourceTest {

  @TempDir
  Path dir;

  static final Set<Family> BOTH = ImmutableSet.of(Family.V4, Family.V6);

  private static Fetched fetch(Path p, Set<Family> families, Limits limits) {
    return Sources.parse("file:" + p, Sources.Overrides.NONE).fetch(new FetchContext(families,
        limits, () -> {
          throw new AssertionError("a file needs no network");
        }, url -> Optional.empty()));
  }

  @Test
  void readsTheOperatorsFileWithCommentsBothFamiliesMixed() throws IOException {
    Path p = dir.resolve("cf.txt");
    Files.writeString(p, "# Cloudflare, copied 2026-05-04\n" + Fixtures.v6() + "\n"
        + Fixtures.v4().replace("\n", "   # edge\n"));
    Fetched f = fetch(p, BOTH, Limits.DEFAULT);
    assertThat(f.source()).isEqualTo("file:" + p);
    assertThat(f.prefixes()).containsExactlyInAnyOrderElementsOf(Fixtures.all());
    assertThat(f.urls()).isEmpty();
    assertThat(f.notModified()).isFalse();
  }

  @Test
  void refusesTheWholeInternetNamingFileAndLine() throws IOException {
    Path p = dir.resolve("open.txt");
    Files.writeString(p, Fixtures.v4() + Fixtures.v6() + "0.0.0.0/0\n");
    Throwable t = catchThrowable(() -> fetch(p, BOTH, Limits.DEFAULT));
    assertThat(t).isInstanceOf(SourceRejected.class).hasMessage("source file:" + p
        + " line 23: \"0.0.0.0/0\" would allow the whole Internet; firewall unchanged");
  }

  @Test
  void refusesAFileBelowTheMinimumUnlessLowered() throws IOException {
    Path p = dir.resolve("mine.txt");
    Files.writeString(p, "# only my office\n198.41.128.0/17\n");
    assertThat(catchThrowable(() -> fetch(p, BOTH, Limits.DEFAULT)))
        .isInstanceOf(SourceRejected.class)
        .hasMessageStartingWith("source file:" + p + ": only 1 ipv4 prefixes, at least 10");
    assertThat(fetch(p, BOTH, Limits.DEFAULT.withMinimums(1, 0)).prefixes()).hasSize(1);
  }

  @Test
  void aMissingFileIsUnavailableAndBinaryIsRejected() throws IOException {
    Path missing = dir.resolve("nope.txt");
    assertThat(catchThrowable(() -> fetch(missing, BOTH, Limits.DEFAULT)))
        .isInstanceOf(SourceUnavailable.class)
        .hasMessage("source file:" + missing + ": no such file");
    Path bin = dir.resolve("bin.txt");
    Files.write(bin, new byte[] {(byte) 0xc3, (byte) 0x28, '\n'});
    assertThat(catchThrowable(() -> fetch(bin, BOTH, Limits.DEFAULT)))
        .isInstanceOf(SourceRejected.class)
        .hasMessage("source file:" + bin + ": not UTF-8 text; firewall unchanged");
  }

  @Test
  void hasNoSizeCap() throws IOException {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 100_000; i++) {
      sb.append("104.").append(16 + (i >> 16)).append('.').append(i >> 8 & 255).append('.')
          .append(i & 255).append("/32\n");
    }
    Path p = dir.resolve("big.txt");
    Files.writeString(p, sb, StandardCharsets.UTF_8);
    assertThat(Files.size(p)).isGreaterThan(Limits.DEFAULT.maxBodyBytes());
    assertThat(fetch(p, ImmutableSet.of(Family.V4), Limits.DEFAULT).prefixes())
        .hasSize(100_000);
  }
}
