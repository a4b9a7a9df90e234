package io.cfsync.pkg;

import static org.assertj.core.api.Assertions.assertThat;

import io.cfsync.cli.GenerateDocs;
import io.cfsync.cli.Main;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** The man page and the bash completion, generated from the model at build time. */
class GeneratedDocsTest {

  @TempDir
  static Path out;

  @BeforeAll
  static void generate() throws Exception {
    GenerateDocs.main(new String[] {out.toString()});
  }

  @Test
  void manPageRendersWithoutAGroffWarning() throws Exception {
    Path groff = Tools.require("groff", "groff-base");
    Tools.Run r = Tools.run(groff.toString(), "-man", "-Tutf8", "-ww", "-z",
        out.resolve("cfsync.1").toString());
    assertThat(r.out()).isEmpty();
    assertThat(r.code()).isZero();
  }

  @Test
  void manPageDocumentsEveryCommandAndOption() throws Exception {
    String man = Files.readString(out.resolve("cfsync.1"));
    for (CommandLine sub : Main.commandLine().getSubcommands().values()) {
      assertThat(man).contains(".SH \"CFSYNC " + sub.getCommandName().toUpperCase() + "\"");
      for (OptionSpec o : sub.getCommandSpec().options()) {
        assertThat(man).as("man page mentions %s", o.longestName())
            .contains("\\fB" + o.longestName().replace("-", "\\-") + "\\fR");
      }
    }
    assertThat(out.resolve("cfsync.1.gz")).exists();
  }

  @Test
  void bashCompletesCommandsAndOptions() throws Exception {
    Path bash = Tools.require("bash", "bash");
    String script = out.resolve("cfsync.bash").toString();
    assertThat(complete(bash, script, "cfsync ap")).isEqualTo("apply");
    assertThat(complete(bash, script, "cfsync apply --max-r")).isEqualTo("--max-removal");
    assertThat(complete(bash, script, "cfsync fetch --metrics")).isEqualTo("--metrics-file");
  }

  private static String complete(Path bash, String script, String line) throws Exception {
    // Outside an interactive completion, compopt complains on stderr; only COMPREPLY counts.
    String[] words = line.split(" ");
    String program = "source " + script + "\n"
        + "COMP_LINE='" + line + "'; COMP_POINT=${#COMP_LINE}\n"
        + "COMP_WORDS=(" + line + "); COMP_CWORD=" + (words.length - 1) + "\n"
        + "_complete_cfsync cfsync '" + words[words.length - 1] + "' '"
        + words[words.length - 2] + "' 2>/dev/null\n"
        + "printf '%s\\n' \"${COMPREPLY[@]}\"\n";
    Tools.Run r = Tools.run(Map.of(), bash.toString(), "--norc", "--noprofile", "-c", program);
    assertThat(r.code()).as(r.out()).isZero();
    return r.out().strip();
  }
}
