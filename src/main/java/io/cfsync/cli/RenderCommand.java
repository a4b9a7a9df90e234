package io.cfsync.cli;

import io.cfsync.error.BackendFailure;
import io.cfsync.error.ExitCode;
import io.cfsync.error.UsageError;
import io.cfsync.model.Family;
import io.cfsync.sync.Resolution;
import io.cfsync.template.InPlace;
import io.cfsync.template.Kind;
import io.cfsync.template.Renderer;
import io.cfsync.template.Settings;
import io.cfsync.template.Template;
import io.cfsync.template.Text;
import io.cfsync.text.UnifiedDiff;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cfsync render}: a firewall file (or nginx snippet) from a template. */
@Command(name = "render", mixinStandardHelpOptions = true,
    resourceBundle = "io.cfsync.cli.TemplateHelp",
    description = {"Render a file from a template with the validated lists: a complete "
        + "nftables.conf, an iptables-restore file (one family each), an ipset restore file, "
        + "a script of ufw commands, an nginx set_real_ip_from snippet, or what keeps ban "
        + "tools off Cloudflare's edge: a fail2ban jail.d/cfsync.local (ignoreip), a CrowdSec "
        + "s02-enrich whitelist, a csf.ignore list. --backend names the kind: nftables, "
        + "iptables, ipset, ufw, nginx, fail2ban, crowdsec or csf (the last four render only).",
        "--in-place FILE rewrites only the lines between '# BEGIN cfsync' and '# END cfsync' "
            + "markers (or, in an nftables file without markers, the elements of cfsync's "
            + "named sets) and keeps every other byte. --check changes nothing and prints a "
            + "unified diff instead. See docs/templates.md.", "",
        "Exit codes: 0 rendered, written or current, 1 error, 2 the file would change "
            + "(--check), 3 a source answered with an invalid list, 64 usage (also a "
            + "malformed template)."})
final class RenderCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Mixin
  ListOptions lists;

  @Mixin
  FirewallOptions firewall;

  @Mixin
  OutputOptions output;

  @Option(names = "--template", paramLabel = "FILE",
      description = "Render from this Mustache template instead of the built-in one "
          + "(variables: docs/templates.md).")
  Path template;

  @Option(names = "--in-place", paramLabel = "FILE",
      description = "Rewrite only cfsync's blocks in FILE; with --backend absent, FILE's kind "
          + "is detected from its content.")
  Path inPlace;

  @Option(names = {"-o", "--output"}, paramLabel = "FILE",
      description = "Write the whole rendered file to FILE (atomically) instead of stdout.")
  Path outputFile;

  @Option(names = "--nft-set", paramLabel = "NAME", split = ",",
      description = "With --in-place on an nftables file without markers: rewrite the elements "
          + "of these named sets (family from each set's type). Default: cfsync's own, "
          + "NAME-v4 and NAME-v6 of --set-name.")
  List<String> nftSets = new ArrayList<>();

  @Option(names = "--check",
      description = "With --in-place or --output: write nothing; print a unified diff and "
          + "exit 2 when the file would change, exit 0 when it is current.")
  boolean check;

  @Override
  public Integer call() {
    if (output.json) {
      throw new UsageError("render prints a file, not JSON; --json is for check");
    }
    if (inPlace != null && outputFile != null) {
      throw new UsageError("--in-place and --output exclude each other: rewrite blocks of an "
          + "existing file, or write a whole file");
    }
    if (check && inPlace == null && outputFile == null) {
      throw new UsageError("--check compares with a file: add --in-place FILE or --output FILE");
    }
    Console log = output.console();
    Optional<Text> existing = Optional.empty();
    Path target = inPlace != null ? inPlace : outputFile;
    if (inPlace != null) {
      existing = Optional.of(read(inPlace, true).orElseThrow());
    } else if (outputFile != null) {
      existing = read(outputFile, false);
    }
    Kind kind = TemplateSettings.kind(spec, firewall, Optional.ofNullable(inPlace),
        inPlace != null ? existing : Optional.empty());
    Template t = template != null ? Template.file(template) : Template.builtin(kind);
    Renderer renderer = new Renderer(t, kind, Version.get());
    Resolution r = Lists.resolve(lists, log);
    Settings s = TemplateSettings.settings(firewall, kind, r.prefixes(), lists.families());

    PrintWriter out = spec.commandLine().getOut();
    String newChars;
    if (inPlace != null) {
      InPlace.Outcome o = InPlace.rewrite(inPlace.toString(), existing.get(), renderer, s,
          nftSets);
      o.notes().forEach(log::info);
      newChars = o.text();
    } else {
      String rendered = renderer.render(s);
      if (outputFile == null) {
        emit(out, Text.ofString(rendered).chars());
        log.info(kind.word() + ": rendered " + counts(s) + " from " + Lists.describe(r));
        return ExitCode.OK;
      }
      newChars = Text.ofString(rendered).chars();
    }
    String oldChars = existing.map(Text::chars).orElse("");
    boolean same = existing.isPresent() && oldChars.equals(newChars);
    if (check) {
      if (same) {
        log.info(target + ": current (" + counts(s) + ")");
        return ExitCode.OK;
      }
      // The diff goes out byte for byte as the file holds them.
      emit(out, UnifiedDiff.diff(target.toString(), target.toString(), oldChars, newChars));
      log.info(target + ": would change; run without --check to write it");
      return ExitCode.DRIFT;
    }
    if (same) {
      log.info(target + ": current, nothing written (" + counts(s) + ")");
      return ExitCode.OK;
    }
    write(target, newChars);
    log.info(target + ": written (" + counts(s) + " from " + Lists.describe(r) + ")");
    return ExitCode.OK;
  }

  /**
   * Writes byte-per-char text to stdout as the bytes it stands for: a file's own bytes (any
   * encoding, CRLF) or UTF-8 from a template, whatever the platform charset.
   */
  static void emit(PrintWriter out, String chars) {
    out.flush();
    System.out.flush();
    try {
      System.out.write(chars.getBytes(StandardCharsets.ISO_8859_1));
    } catch (IOException e) {
      throw new BackendFailure("cannot write to stdout (" + e.getMessage() + ")");
    }
    System.out.flush();
  }

  private static String counts(Settings s) {
    return s.prefixes().prefixCount(Family.V4) + " IPv4, " + s.prefixes().prefixCount(Family.V6)
        + " IPv6 prefixes";
  }

  static Optional<Text> read(Path file, boolean mustExist) {
    try {
      return Optional.of(Text.ofBytes(Files.readAllBytes(file)));
    } catch (NoSuchFileException e) {
      if (mustExist) {
        throw new BackendFailure(file + " does not exist; --in-place rewrites an existing file "
            + "(use --output to create one)");
      }
      return Optional.empty();
    } catch (IOException e) {
      throw new BackendFailure(file + " cannot be read (" + e + ")");
    }
  }

  /**
   * Replaces the file atomically (temp file in the same directory, fsync, rename), keeping
   * its permissions; through a symlink, the link's target is replaced.
   */
  static void write(Path file, String chars) {
    try {
      Path real = Files.exists(file) ? file.toRealPath() : file.toAbsolutePath();
      Path dir = real.getParent();
      Path tmp = Files.createTempFile(dir, "." + real.getFileName() + ".", ".cfsync-tmp");
      try {
        Files.write(tmp, chars.getBytes(StandardCharsets.ISO_8859_1));
        if (Files.exists(real) && Files.getFileAttributeView(real,
            PosixFileAttributeView.class) != null) {
          Set<PosixFilePermission> perms = Files.getPosixFilePermissions(real);
          Files.setPosixFilePermissions(tmp, perms);
        } else if (Files.getFileAttributeView(tmp, PosixFileAttributeView.class) != null) {
          Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions
              .fromString("rw-r--r--"));
        }
        try (var ch = java.nio.channels.FileChannel.open(tmp,
            java.nio.file.StandardOpenOption.WRITE)) {
          ch.force(true);
        }
        try {
          Files.move(tmp, real, StandardCopyOption.ATOMIC_MOVE,
              StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(tmp, real, StandardCopyOption.REPLACE_EXISTING);
        }
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      throw new BackendFailure(file + " cannot be written (" + e + "); it is unchanged");
    }
  }
}
