package io.cfsync.watch;

import com.google.common.collect.ImmutableList;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Watches files another tool keeps cfsync's rules in (UFW's {@code user.rules} and
 * {@code user6.rules}) through inotify, so that an edit or a {@code ufw delete} is seen
 * without waiting for a poll. Each file's fingerprint (inode, size, mtime) tells a real
 * change from the events of cfsync's own writes, which are recorded after each check.
 */
final class FileWatch implements AutoCloseable {

  private final ImmutableList<Path> files;
  private final WatchService service;
  private final Thread thread;
  private final Map<Path, String> seen = new HashMap<>();

  private FileWatch(ImmutableList<Path> files, WatchService service, Consumer<Path> sink) {
    this.files = files;
    this.service = service;
    this.thread = new Thread(() -> loop(sink), "file-watch");
    thread.setDaemon(true);
  }

  /** Watches {@code files} (their directories); empty when none of them can be watched. */
  static Optional<FileWatch> start(ImmutableList<Path> files, Consumer<Path> sink) {
    if (files.isEmpty()) {
      return Optional.empty();
    }
    try {
      WatchService ws = FileSystems.getDefault().newWatchService();
      Set<Path> dirs = new LinkedHashSet<>();
      for (Path f : files) {
        Path dir = f.toAbsolutePath().getParent();
        if (dir != null && Files.isDirectory(dir)) {
          dirs.add(dir);
        }
      }
      if (dirs.isEmpty()) {
        ws.close();
        return Optional.empty();
      }
      for (Path d : dirs) {
        d.register(ws, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
            StandardWatchEventKinds.ENTRY_DELETE);
      }
      FileWatch w = new FileWatch(files, ws, sink);
      w.record();
      w.thread.start();
      return Optional.of(w);
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private void loop(Consumer<Path> sink) {
    try {
      while (true) {
        WatchKey key = service.take();
        Path dir = (Path) key.watchable();
        for (WatchEvent<?> ev : key.pollEvents()) {
          if (ev.context() instanceof Path name) {
            Path p = dir.resolve(name);
            if (files.contains(p)) {
              sink.accept(p);
            }
          }
        }
        key.reset();
      }
    } catch (InterruptedException | ClosedWatchServiceException e) {
      // closed
    }
  }

  /** Remembers the files as they are now (after a check or an apply). */
  synchronized void record() {
    for (Path f : files) {
      seen.put(f, fingerprint(f));
    }
  }

  /** Whether {@code f} differs from when {@link #record()} last ran. */
  synchronized boolean changed(Path f) {
    return !fingerprint(f).equals(seen.getOrDefault(f, ""));
  }

  static String fingerprint(Path f) {
    try {
      BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
      return a.fileKey() + "/" + a.size() + "/" + a.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS);
    } catch (IOException e) {
      return "absent";
    }
  }

  @Override
  public void close() {
    try {
      service.close();
    } catch (IOException e) {
      // closing anyway
    }
  }
}
