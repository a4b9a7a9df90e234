package io.cfsync.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.cfsync.error.BackendFailure;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateDirTest {

  @TempDir
  Path tmp;

  private static String mode(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  private static String[] names(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toArray(String[]::new);
    }
  }

  @Test
  void createsTheDirectoryAndItsParentsWithMode0700() throws IOException {
    StateDir d = new StateDir(tmp.resolve("var/lib/cfsync")).ensure();
    assertThat(d.root()).isDirectory();
    assertThat(mode(d.root())).isEqualTo("rwx------");
  }

  @Test
  void tightensAnExistingDirectoryTo0700() throws IOException {
    Path root = Files.createDirectory(tmp.resolve("cfsync"),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
    Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxrwxrwx"));
    new StateDir(root).ensure();
    assertThat(mode(root)).isEqualTo("rwx------");
  }

  @Test
  void writesA0600FileAtomicallyAndLeavesNoTemporaryFile() throws IOException {
    StateDir d = new StateDir(tmp.resolve("state"));
    d.writeAtomically("cache-x.json", "first".getBytes(StandardCharsets.UTF_8));
    d.writeAtomically("cache-x.json", "second, longer".getBytes(StandardCharsets.UTF_8));

    Path f = d.resolve("cache-x.json");
    assertThat(f).hasContent("second, longer");
    assertThat(mode(f)).isEqualTo("rw-------");
    assertThat(mode(d.root())).isEqualTo("rwx------");
    assertThat(names(d.root())).containsExactly("cache-x.json");
    assertThat(d.read("cache-x.json")).hasValueSatisfying(b -> assertThat(new String(b,
        StandardCharsets.UTF_8)).isEqualTo("second, longer"));
  }

  @Test
  void keepsThe0600ModeWhenReplacingAWiderFile() throws IOException {
    StateDir d = new StateDir(tmp.resolve("state")).ensure();
    Path f = Files.writeString(d.resolve("cache-x.json"), "old");
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-rw-rw-"));
    d.writeAtomically("cache-x.json", "new".getBytes(StandardCharsets.UTF_8));
    assertThat(mode(f)).isEqualTo("rw-------");
  }

  @Test
  void aFailedRenameLeavesTheOldStateAndNoTemporaryFile() throws IOException {
    StateDir d = new StateDir(tmp.resolve("state")).ensure();
    // A non-empty directory where the file should go: the rename must fail.
    Path blocker = Files.createDirectory(d.resolve("cache-x.json"));
    Files.writeString(blocker.resolve("keep"), "old");

    Throwable t = catchThrowable(() -> d.writeAtomically("cache-x.json",
        "new".getBytes(StandardCharsets.UTF_8)));

    assertThat(t).isInstanceOf(BackendFailure.class)
        .hasMessageStartingWith("state file " + d.resolve("cache-x.json") + ": cannot write it");
    assertThat(blocker.resolve("keep")).hasContent("old");
    assertThat(names(d.root())).containsExactly("cache-x.json");
  }

  @Test
  void readsNothingForAMissingFile() {
    assertThat(new StateDir(tmp.resolve("none")).read("cache-x.json")).isEmpty();
  }

  @Test
  void saysHowToFixAStateDirItCannotCreate() throws IOException {
    Path file = Files.writeString(tmp.resolve("plain-file"), "x");
    Throwable t = catchThrowable(() -> new StateDir(file.resolve("sub")).ensure());
    assertThat(t).isInstanceOf(BackendFailure.class).hasMessageContaining("cannot create it")
        .hasMessageEndingWith("run as root or pass --state-dir DIR");
  }
}
