package io.cfsync.state;

import io.cfsync.error.BackendFailure;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Set;

/** The state directory: created 0700, written atomically, files 0600. */
public final class StateDir {

  static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwx------");
  static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-------");

  private final Path root;

  public StateDir(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  public Path root() {
    return root;
  }

  public Path resolve(String name) {
    return root.resolve(name);
  }

  /** Creates the directory (and parents) if needed and makes it 0700. */
  public StateDir ensure() {
    try {
      if (!Files.isDirectory(root)) {
        Files.createDirectories(root.getParent());
        try {
          Files.createDirectory(root, PosixFilePermissions.asFileAttribute(DIR_MODE));
        } catch (FileAlreadyExistsException e) {
          // Another run made it between the check and here; the mode is fixed below.
        }
      }
      if (!Files.getPosixFilePermissions(root).equals(DIR_MODE)) {
        Files.setPosixFilePermissions(root, DIR_MODE);
      }
      return this;
    } catch (IOException e) {
      throw new BackendFailure("state dir " + root + ": cannot create it (" + e.getMessage()
          + "); run as root or pass --state-dir DIR", e);
    }
  }

  /** Reads a file of the state dir, if present. */
  public Optional<byte[]> read(String name) {
    Path p = root.resolve(name);
    try {
      return Files.exists(p) ? Optional.of(Files.readAllBytes(p)) : Optional.empty();
    } catch (IOException e) {
      throw new BackendFailure("state file " + p + ": cannot read it (" + e.getMessage() + ")",
          e);
    }
  }

  /**
   * Replaces {@code name} with {@code bytes} atomically: a temporary file in the same
   * directory, written and fsynced, renamed over the target, then the directory fsynced so
   * the rename itself survives a power cut.
   */
  public void writeAtomically(String name, byte[] bytes) {
    ensure();
    Path target = root.resolve(name);
    Path tmp = null;
    try {
      tmp = Files.createTempFile(root, "." + name + ".", ".tmp",
          PosixFilePermissions.asFileAttribute(FILE_MODE));
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE,
            StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        throw new BackendFailure("state dir " + root + " does not support atomic rename; "
            + "put --state-dir on a local filesystem", e);
      }
      tmp = null;
      fsyncDirectory(root);
    } catch (IOException e) {
      throw new BackendFailure("state file " + target + ": cannot write it (" + e.getMessage()
          + ")", e);
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // The write already failed; a stray temp file is harmless and named as such.
        }
      }
    }
  }

  static void fsyncDirectory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }
}
