package io.cfsync.backend.ufw;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Replaces a rule file so that at every instant it is either the old or the new file: the
 * new content goes to {@code NAME.cfsync-new} (same mode and owner), is fsynced, the old
 * inode is kept as {@code NAME.cfsync-bak} (a hard link, swapped in by rename), then the new
 * file is renamed over the old and the directory fsynced. A kill at any point leaves old or
 * new. UFW itself rewrites its files in place, which a crash can leave half written.
 */
final class AtomicFiles {

  static final String NEW = ".cfsync-new";
  static final String BACKUP = ".cfsync-bak";

  private AtomicFiles() {}

  static String read(Path file) throws IOException {
    // ISO-8859-1 maps every byte to one char and back: the operator's bytes survive exactly.
    return Files.readString(file, StandardCharsets.ISO_8859_1);
  }

  static void replace(Path target, String content) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    String name = target.getFileName().toString();
    Path tmp = dir.resolve(name + NEW);
    Path bak = dir.resolve(name + BACKUP);
    Path bakTmp = dir.resolve(name + BACKUP + NEW);
    PosixFileAttributes attrs = Files.readAttributes(target, PosixFileAttributes.class,
        LinkOption.NOFOLLOW_LINKS);
    Files.deleteIfExists(tmp);
    try (FileChannel ch = FileChannel.open(tmp, java.util.Set.of(StandardOpenOption.CREATE_NEW,
        StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(attrs.permissions()))) {
      ByteBuffer buf = ByteBuffer.wrap(content.getBytes(StandardCharsets.ISO_8859_1));
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      ch.force(true);
    }
    PosixFileAttributeView view = Files.getFileAttributeView(tmp, PosixFileAttributeView.class);
    view.setPermissions(attrs.permissions());
    view.setOwner(attrs.owner());
    view.setGroup(attrs.group());
    Files.deleteIfExists(bakTmp);
    try {
      Files.createLink(bakTmp, target);
    } catch (IOException | UnsupportedOperationException e) {
      Files.copy(target, bakTmp, StandardCopyOption.COPY_ATTRIBUTES);
    }
    Files.move(bakTmp, bak, StandardCopyOption.ATOMIC_MOVE);
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    syncDir(dir);
  }

  /** Puts the backup (the inode replaced last) back in place: the undo of {@link #replace}. */
  static void restore(Path target) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Path bak = dir.resolve(target.getFileName() + BACKUP);
    Files.move(bak, target, StandardCopyOption.ATOMIC_MOVE);
    syncDir(dir);
  }

  private static void syncDir(Path dir) throws IOException {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    }
  }
}
