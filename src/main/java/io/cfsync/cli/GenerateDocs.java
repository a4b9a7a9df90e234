package io.cfsync.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import picocli.AutoComplete;
import picocli.CommandLine;

/**
 * Build-time tool (run by the Maven build before packaging): writes the man page and the bash
 * completion script from the same picocli model the program parses with, so neither can
 * drift from the options. Built without any config file, so defaults are the built-in ones.
 */
public final class GenerateDocs {

  private GenerateDocs() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      throw new IllegalArgumentException("usage: GenerateDocs OUTPUT_DIR");
    }
    Path out = Files.createDirectories(Path.of(args[0]));
    CommandLine cl = Main.commandLine();
    String man = ManPage.render(cl);
    Files.writeString(out.resolve("cfsync.1"), man, StandardCharsets.UTF_8);
    // Debian installs man pages gzipped; Java writes a zero mtime, so the build is repeatable.
    try (OutputStream gz = new GZIPOutputStream(Files.newOutputStream(out.resolve("cfsync.1.gz")))) {
      gz.write(man.getBytes(StandardCharsets.UTF_8));
    }
    Files.writeString(out.resolve("cfsync.bash"), AutoComplete.bash("cfsync", cl),
        StandardCharsets.UTF_8);
  }
}
