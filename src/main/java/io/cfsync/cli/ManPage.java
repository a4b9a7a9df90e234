package io.cfsync.cli;

import io.cfsync.error.ExitCode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * cfsync(1) in troff, generated from the picocli model at build time so it cannot drift
 * from the options. picocli-codegen's ManPageGenerator writes AsciiDoc, which would need
 * Asciidoctor (JRuby) in the build to become a man page; the model is small enough to
 * render directly with the {@code man} macros.
 */
final class ManPage {

  private ManPage() {}

  static String render(CommandLine root) {
    CommandSpec spec = root.getCommandSpec();
    StringBuilder b = new StringBuilder();
    b.append(".\\\" Generated from the picocli model by io.cfsync.cli.ManPage; do not edit.\n");
    b.append(".TH CFSYNC 1 \"\" \"cfsync ").append(esc(Version.get()))
        .append("\" \"User Commands\"\n");
    b.append(".SH NAME\ncfsync \\- keep a Linux origin's firewall in step with Cloudflare's "
        + "edge ranges\n");
    b.append(".SH SYNOPSIS\n.B cfsync\n.I COMMAND\n[\\fIOPTION\\fR]...\n");
    b.append(".br\n.B cfsync\n[\\fB\\-h\\fR|\\fB\\-V\\fR]\n");
    b.append(".SH DESCRIPTION\n");
    paragraphs(b, spec.usageMessage().description());
    b.append(".SH COMMANDS\n");
    for (CommandLine sub : root.getSubcommands().values()) {
      CommandSpec s = sub.getCommandSpec();
      String[] d = s.usageMessage().description();
      b.append(".TP\n.B ").append(esc(s.name())).append('\n')
          .append(esc(d.length > 0 ? d[0] : "")).append('\n');
    }
    b.append(".SH GLOBAL OPTIONS\n");
    options(b, spec);
    for (CommandLine sub : root.getSubcommands().values()) {
      command(b, sub.getCommandSpec());
    }
    b.append(".SH EXIT STATUS\n");
    exit(b, ExitCode.OK, "done, or in sync");
    exit(b, ExitCode.ERROR, "error; nothing was half-applied");
    exit(b, ExitCode.DRIFT, "changes pending or drift (plan \\-\\-detailed-exitcode and the "
        + "checking commands)");
    exit(b, ExitCode.REFUSED, "refused by a safety check; the firewall is untouched");
    exit(b, ExitCode.USAGE, "usage error");
    b.append(".SH FILES\n");
    file(b, ConfigDefaults.DEFAULT_PATH, "Defaults for every option, one \\fIkey\\fR = "
        + "\\fIvalue\\fR a line; keys are long option names without dashes, optionally "
        + "prefixed by the command (\\fIapply.max-removal\\fR). The command line wins.");
    file(b, "/var/lib/cfsync", "State: last-known-good lists, the run lock, metrics "
        + "bookkeeping (0700).");
    file(b, "/usr/share/doc/cfsync/cfsync.conf.example", "Every option, commented.");
    file(b, "/lib/systemd/system/cfsync.service, cfsync.timer",
        "The hardened oneshot service and its hourly timer (not enabled on install).");
    b.append(".SH ENVIRONMENT\n");
    file(b, "HTTPS_PROXY, NO_PROXY", "Proxy for the remote sources.");
    file(b, "JOURNAL_STREAM", "Set by systemd; when it names stderr, lines carry syslog "
        + "priorities.");
    file(b, "CFSYNC_JAVA_OPTS", "Extra JVM options for the /usr/bin/cfsync launcher.");
    b.append(".SH EXAMPLES\n");
    example(b, "cfsync plan \\-\\-source builtin", "Show what apply would change, without "
        + "changing anything.");
    example(b, "cfsync apply \\-\\-ports 443 \\-\\-policy restrict", "Let only Cloudflare "
        + "reach port 443.");
    example(b, "systemctl enable \\-\\-now cfsync.timer", "Converge every hour.");
    b.append(".SH SEE ALSO\n.BR nft (8),\n.BR iptables (8),\n.BR ipset (8),\n.BR ufw (8),\n"
        + ".BR systemd.timer (5)\n");
    return b.toString();
  }

  private static void command(StringBuilder b, CommandSpec s) {
    b.append(".SH \"").append(esc(s.qualifiedName(" ").toUpperCase(Locale.ROOT)))
        .append("\"\n");
    b.append(".nf\n").append(esc(synopsis(s))).append("\n.fi\n");
    paragraphs(b, s.usageMessage().description());
    for (PositionalParamSpec p : s.positionalParameters()) {
      b.append(".TP\n.I ").append(esc(p.paramLabel())).append('\n');
      b.append(esc(String.join(" ", p.description()))).append('\n');
    }
    options(b, s);
  }

  private static String synopsis(CommandSpec s) {
    List<String> parts = new ArrayList<>();
    parts.add(s.qualifiedName(" "));
    for (OptionSpec o : s.options()) {
      String name = o.longestName();
      parts.add("[" + name + (o.arity().max() > 0 ? " " + o.paramLabel() : "") + "]");
    }
    for (PositionalParamSpec p : s.positionalParameters()) {
      parts.add(p.paramLabel() + (p.arity().max() > 1 ? "..." : ""));
    }
    // Wrap at 78 columns with a two-space hanging indent.
    StringBuilder out = new StringBuilder();
    int col = 0;
    for (String part : parts) {
      if (col > 0 && col + 1 + part.length() > 78) {
        out.append("\n  ");
        col = 2;
      } else if (col > 0) {
        out.append(' ');
        col++;
      }
      out.append(part);
      col += part.length();
    }
    return out.toString();
  }

  private static void options(StringBuilder b, CommandSpec s) {
    for (OptionSpec o : s.options()) {
      if (o.hidden()) {
        continue;
      }
      b.append(".TP\n");
      List<String> names = new ArrayList<>();
      for (String n : o.names()) {
        names.add("\\fB" + esc(n) + "\\fR");
      }
      b.append(String.join(", ", names));
      if (o.arity().max() > 0) {
        b.append(" \\fI").append(esc(o.paramLabel())).append("\\fR");
      }
      b.append('\n').append(esc(String.join(" ", o.description()))).append('\n');
    }
  }

  private static void paragraphs(StringBuilder b, String[] lines) {
    for (String line : lines) {
      if (line.isBlank()) {
        b.append(".PP\n");
      } else {
        b.append(esc(line)).append('\n');
      }
    }
  }

  private static void exit(StringBuilder b, int code, String what) {
    b.append(".TP\n.B ").append(code).append('\n').append(what).append('\n');
  }

  private static void file(StringBuilder b, String name, String what) {
    b.append(".TP\n.I ").append(name).append('\n').append(what).append('\n');
  }

  private static void example(StringBuilder b, String cmd, String what) {
    b.append(".TP\n.B ").append(cmd).append('\n').append(what).append('\n');
  }

  /** troff-safe text: backslashes, option dashes, and lines that would read as requests. */
  static String esc(String s) {
    String t = s.replace("\\", "\\e").replace("-", "\\-");
    StringBuilder out = new StringBuilder();
    for (String line : t.split("\n", -1)) {
      if (out.length() > 0) {
        out.append('\n');
      }
      if (line.startsWith(".") || line.startsWith("'")) {
        out.append("\\&");
      }
      out.append(line);
    }
    return out.toString();
  }
}
