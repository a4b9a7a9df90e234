package io.cfsync.source;

import com.google.common.base.Utf8;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;
import io.cfsync.error.SourceRejected;
import io.cfsync.error.SourceUnavailable;
import io.cfsync.model.Family;
import io.cfsync.model.Prefix;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code file:PATH}: the operator's own list. Comments and blank lines are allowed and there
 * is no size cap (benchmarks load 100k prefixes this way); every prefix is still validated.
 */
final class FileSource implements Source {

  private final Path path;

  FileSource(Path path) {
    this.path = path;
  }

  @Override
  public String name() {
    return "file:" + path;
  }

  @Override
  public boolean remote() {
    return false;
  }

  @Override
  public Fetched fetch(FetchContext ctx) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(path);
    } catch (NoSuchFileException e) {
      throw new SourceUnavailable("source " + name() + ": no such file", e);
    } catch (IOException e) {
      throw new SourceUnavailable("source " + name() + ": cannot read it (" + e.getMessage()
          + ")", e);
    }
    // Check first, then decode in one step: a CharsetDecoder that reports errors costs a
    // char buffer and a copy, which a 100k-line file feels.
    if (!Utf8.isWellFormed(bytes)) {
      throw new SourceRejected("source " + name() + ": not UTF-8 text; firewall unchanged");
    }
    String text = new String(bytes, StandardCharsets.UTF_8);
    ImmutableList<Prefix> prefixes = Validator.parse(name(), text, Syntax.FILE,
        ImmutableSet.copyOf(Family.values()), ctx.families(), ctx.limits());
    Validator.checkCounts(name(), prefixes, ctx.families(), ctx.limits());
    return new Fetched(name(), prefixes, ImmutableList.of(), Optional.empty(), false,
        Optional.empty());
  }
}
