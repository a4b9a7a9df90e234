package io.cfsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalTest {

  @Test
  void journalStreamCountsOnlyWhenItNamesTheVeryFile(@TempDir Path dir) throws IOException {
    Path stream = Files.createFile(dir.resolve("stream"));
    Path other = Files.createFile(dir.resolve("other"));
    String id = Files.getAttribute(stream, "unix:dev") + ":" + Files.getAttribute(stream, "unix:ino");

    assertThat(Journal.matches(id, stream)).isTrue();
    // Inherited by a child whose stderr went elsewhere: no prefixes there.
    assertThat(Journal.matches(id, other)).isFalse();
    assertThat(Journal.matches(null, stream)).isFalse();
    assertThat(Journal.matches("garbage", stream)).isFalse();
  }

  @Test
  void linesCarrySyslogLevelsOnlyForTheJournal() {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    PrintStream ps = new PrintStream(buf, true, StandardCharsets.UTF_8);
    Console journal = new Console(ps, 0, true);
    journal.warn("w");
    journal.notice("n");
    journal.info("i");
    journal.debug("hidden at verbosity 0");
    new Console(ps, 0, false).warn("plain");
    assertThat(buf.toString(StandardCharsets.UTF_8)).isEqualTo(
        "<4>cfsync: w\n<5>cfsync: n\n<6>cfsync: i\ncfsync: plain\n");
  }

  @Test
  void quietKeepsWarningsAndNoticesAndDropsInformation() {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    Console quiet = new Console(new PrintStream(buf, true, StandardCharsets.UTF_8), -1, false);
    quiet.info("in sync");
    quiet.notice("applied +1/-0 IPv4");
    quiet.warn("fallback");
    assertThat(buf.toString(StandardCharsets.UTF_8))
        .isEqualTo("cfsync: applied +1/-0 IPv4\ncfsync: fallback\n");
  }
}
