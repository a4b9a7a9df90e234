package io.cfsync.backend.ufw;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {

  @TempDir
  Path dir;

  private static Object inode(Path p) throws Exception {
    return Files.readAttributes(p, "unix:ino").get("ino");
  }

  @Test
  void replacesKeepingModeAndTheOldInodeAsBackup() throws Exception {
    Path f = dir.resolve("user.rules");
    Files.writeString(f, "old\n");
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r-----"));
    Object oldInode = inode(f);

    AtomicFiles.replace(f, "new\n");

    assertThat(Files.readString(f)).isEqualTo("new\n");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f)))
        .isEqualTo("rw-r-----");
    Path bak = dir.resolve("user.rules.cfsync-bak");
    assertThat(Files.readString(bak)).isEqualTo("old\n");
    assertThat(inode(bak)).isEqualTo(oldInode);
    assertThat(dir.resolve("user.rules.cfsync-new")).doesNotExist();
  }

  @Test
  void restorePutsTheVeryOldFileBack() throws Exception {
    Path f = dir.resolve("user6.rules");
    Files.writeString(f, "old\n");
    Object oldInode = inode(f);
    var mtime = Files.getLastModifiedTime(f);
    AtomicFiles.replace(f, "new\n");
    AtomicFiles.restore(f);
    assertThat(Files.readString(f)).isEqualTo("old\n");
    assertThat(inode(f)).isEqualTo(oldInode);
    assertThat(Files.getLastModifiedTime(f)).isEqualTo(mtime);
  }

  @Test
  void keepsEveryByteOfTheOperatorsFile() throws Exception {
    Path f = dir.resolve("user.rules");
    byte[] odd = {'a', (byte) 0xe9, '\r', '\n', (byte) 0xff};
    Files.write(f, odd);
    String text = AtomicFiles.read(f);
    AtomicFiles.replace(f, text);
    assertThat(Files.readAllBytes(f)).isEqualTo(odd);
  }
}
