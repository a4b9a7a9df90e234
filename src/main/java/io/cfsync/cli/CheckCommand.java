package io.cfsync.cli;

import com.google.common.collect.ImmutableSet;
import io.cfsync.backend.Naming;
import io.cfsync.error.CfsyncException;
import io.cfsync.error.ExitCode;
import io.cfsync.error.UsageError;
import io.cfsync.exec.SystemProcessRunner;
import io.cfsync.model.Family;
import io.cfsync.model.PrefixSet;
import io.cfsync.sync.Resolution;
import io.cfsync.template.Checker;
import io.cfsync.template.Detect;
import io.cfsync.template.Finder;
import io.cfsync.template.Group;
import io.cfsync.template.Kind;
import io.cfsync.template.Syntax;
import io.cfsync.template.Text;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cfsync check}: are the Cloudflare ranges in these files current? (CI) */
@Command(name = "check", mixinStandardHelpOptions = true,
    resourceBundle = "io.cfsync.cli.TemplateHelp",
    description = {"Find the Cloudflare ranges each FILE allows (marker blocks, nft set "
        + "elements, iptables -s rules, ipset add lines, UFW commands and rule tuples, nginx "
        + "set_real_ip_from, fail2ban ignoreip, CrowdSec whitelist cidr/ip lists, csf.ignore "
        + "lines) and compare them with the current lists by the addresses they "
        + "cover. Prints the missing and stale prefixes per file and line. Each file's kind "
        + "is detected unless --backend names it. See docs/ci.md.", "",
        "Exit codes: 0 every file current (and loads, with --syntax), 1 a file unreadable, "
            + "holding no Cloudflare ranges, or failing --syntax, 2 drift, 3 a source answered "
            + "with an invalid list, 64 usage."})
final class CheckCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Mixin
  ListOptions lists;

  @Mixin
  FirewallOptions firewall;

  @Mixin
  OutputOptions output;

  @Option(names = "--syntax",
      description = "Also ask the real tool whether each file loads, without touching the "
          + "host: nft -c / iptables-restore --test / ipset restore inside a throw-away network "
          + "namespace, ufw --dry-run, nginx -t with a temporary configuration. A missing tool "
          + "skips with a notice.")
  boolean syntax;

  // 0..* with the check in call(): a config-file dry parse of "check" must not fail.
  @Parameters(paramLabel = "FILE", arity = "0..*", description = "Files to check.")
  List<Path> files = new ArrayList<>();

  /** One file's verdict. */
  record FileResult(String file, Optional<Kind> kind, String status, Optional<String> error,
      boolean markers, Optional<Checker.Result> result, Optional<Syntax.Outcome> syntax) {}

  @Override
  public Integer call() {
    Console log = output.console();
    if (files.isEmpty()) {
      throw new UsageError("check needs at least one FILE");
    }
    if (TemplateSettings.explicitBackend(spec)) {
      TemplateSettings.named(firewall);
    }
    Resolution r = Lists.resolve(lists, log);
    ImmutableSet<Family> selected = lists.families();
    Set<Family> required = TemplateSettings.explicitFamily(spec) ? selected
        : EnumSet.noneOf(Family.class);
    PrefixSet current = PrefixSet.empty();
    for (Family f : selected) {
      current = current.union(r.prefixes().only(f));
    }
    Naming naming = new Naming(firewall.table, firewall.chain, firewall.setName,
        firewall.comment);
    List<FileResult> results = new ArrayList<>();
    for (Path p : files) {
      results.add(checkOne(p, current, selected, required, naming, log));
    }
    int exit = ExitCode.OK;
    for (FileResult f : results) {
      if (!f.status().equals("current") && !f.status().equals("drift")
          || f.syntax().filter(Syntax.Outcome::failed).isPresent()) {
        exit = ExitCode.ERROR;
      } else if (f.status().equals("drift") && exit == ExitCode.OK) {
        exit = ExitCode.DRIFT;
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    if (output.json) {
      out.print(Json.write(json(results, r, exit)));
    } else {
      for (FileResult f : results) {
        print(out, f);
      }
    }
    out.flush();
    log.info(summary(results) + "; lists from " + Lists.describe(r));
    return exit;
  }

  private FileResult checkOne(Path p, PrefixSet current, Set<Family> selected,
      Set<Family> required, Naming naming, Console log) {
    String name = p.toString();
    Text t;
    try {
      t = Text.ofBytes(Files.readAllBytes(p));
    } catch (IOException e) {
      String why = e instanceof java.nio.file.NoSuchFileException ? "no such file"
          : e.getClass().getSimpleName() + ": " + e.getMessage();
      log.warn(name + ": cannot read (" + why + ")");
      return new FileResult(name, Optional.empty(), "unreadable", Optional.of("cannot read ("
          + why + ")"), false, Optional.empty(), Optional.empty());
    }
    Optional<Kind> kind = TemplateSettings.explicitBackend(spec)
        ? Optional.of(TemplateSettings.named(firewall))
        : Detect.kind(p.getFileName().toString(), t);
    Finder.Found found;
    try {
      // An unknown kind still has its marker blocks read; nginx's reader is the most literal.
      found = Finder.find(name, t, kind.orElse(Kind.NGINX), naming);
    } catch (CfsyncException e) {
      log.warn(e.getMessage());
      return new FileResult(name, kind, "error", Optional.of(e.getMessage()), false,
          Optional.empty(), Optional.empty());
    }
    List<Group> groups = found.groups();
    boolean any = groups.stream().anyMatch(g -> Checker.looksLikeCloudflare(g, current));
    Optional<Syntax.Outcome> syn = Optional.empty();
    if (syntax) {
      if (kind.isEmpty()) {
        syn = Optional.of(new Syntax.Outcome("?", "skipped", "kind unknown; pass --backend to "
            + "check the syntax"));
      } else {
        syn = Optional.of(new Syntax(new SystemProcessRunner()).check(kind.get(), p, t));
      }
      if (syn.get().status().equals("skipped")) {
        log.warn(name + ": " + syn.get().message());
      }
    }
    if (!any) {
      String why = kind.isEmpty() && !found.markers()
          ? "cannot tell what kind of file this is and it has no \"# BEGIN cfsync\" block; "
              + "pass --backend or mark the Cloudflare lines"
          : "found no Cloudflare ranges (no \"# BEGIN cfsync\" block, set, rule or line "
              + "listing them); mark the lines with \"# BEGIN cfsync\" / \"# END cfsync\"";
      log.warn(name + ": " + why);
      return new FileResult(name, kind, "no-ranges", Optional.of(why), found.markers(),
          Optional.empty(), syn);
    }
    Checker.Result res = Checker.compare(groups, current, selected, required);
    return new FileResult(name, kind, res.current() ? "current" : "drift", Optional.empty(),
        found.markers(), Optional.of(res), syn);
  }

  private static void print(PrintWriter out, FileResult f) {
    String kind = f.kind().map(Kind::word).orElse("unknown kind");
    if (f.result().isEmpty()) {
      out.println(f.file() + ": " + f.status() + " (" + kind + "): " + f.error().orElse(""));
    } else {
      Checker.Result r = f.result().get();
      if (r.current()) {
        StringBuilder sb = new StringBuilder();
        for (Checker.Compared c : r.groups()) {
          sb.append(sb.length() == 0 ? "" : ", ").append(c.group().what()).append(": ")
              .append(c.entries()).append(' ').append(c.family() == Family.V4 ? "IPv4" : "IPv6");
        }
        out.println(f.file() + ": current (" + kind + "; " + sb + ")");
      } else {
        out.println(f.file() + ": drift (" + kind + "): " + r.missing().size() + " missing, "
            + r.stale().size() + " stale");
        for (Checker.Finding m : r.missing()) {
          out.println(f.file() + ":" + m.line() + ": missing " + m.prefix() + " (" + m.group()
              + (m.line() == 0 ? ": no " + m.family().label() + " ranges in the file" : "")
              + ")");
        }
        for (Checker.Finding s : r.stale()) {
          out.println(f.file() + ":" + s.line() + ": stale " + s.prefix() + " (in "
              + s.entry().orElse("?") + ", " + s.group() + ")");
        }
      }
    }
    f.syntax().ifPresent(s -> out.println(f.file() + ": syntax " + s.status() + " ("
        + s.message() + ")"));
  }

  private static String summary(List<FileResult> results) {
    int current = 0;
    int drift = 0;
    int bad = 0;
    for (FileResult f : results) {
      switch (f.status()) {
        case "current" -> current++;
        case "drift" -> drift++;
        default -> bad++;
      }
    }
    return "checked " + results.size() + " file(s): " + current + " current, " + drift
        + " drifted, " + bad + " not checkable";
  }

  private static Map<String, Object> json(List<FileResult> results, Resolution r, int exit) {
    Map<String, Object> doc = Json.doc("cfsync.check/v1");
    doc.put("current", exit == ExitCode.OK);
    doc.put("exitCode", exit);
    doc.put("fallback", r.addOnly());
    doc.put("lists", Json.byFamily(r.prefixes()));
    List<Object> fs = new ArrayList<>();
    for (FileResult f : results) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("file", f.file());
      m.put("kind", f.kind().map(Kind::word).orElse(null));
      m.put("status", f.status());
      m.put("error", f.error().orElse(null));
      m.put("markers", f.markers());
      List<Object> groups = new ArrayList<>();
      List<Object> missing = new ArrayList<>();
      List<Object> stale = new ArrayList<>();
      f.result().ifPresent(res -> {
        for (Checker.Compared c : res.groups()) {
          Map<String, Object> g = new LinkedHashMap<>();
          g.put("group", c.group().what());
          g.put("line", c.group().line());
          g.put("family", c.family().label());
          g.put("entries", c.entries());
          g.put("owned", c.group().owned());
          g.put("current", c.missing().isEmpty() && c.stale().isEmpty());
          groups.add(g);
        }
        for (Checker.Finding x : res.missing()) {
          missing.add(finding(x));
        }
        for (Checker.Finding x : res.stale()) {
          stale.add(finding(x));
        }
      });
      m.put("groups", groups);
      m.put("missing", missing);
      m.put("stale", stale);
      m.put("syntax", f.syntax().map(s -> {
        Map<String, Object> sm = new LinkedHashMap<>();
        sm.put("tool", s.tool());
        sm.put("status", s.status());
        sm.put("message", s.message());
        return (Object) sm;
      }).orElse(null));
      fs.add(m);
    }
    doc.put("files", fs);
    doc.put("sources", Json.sources(r));
    return doc;
  }

  private static Map<String, Object> finding(Checker.Finding x) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("prefix", x.prefix().toString());
    m.put("family", x.family().label());
    m.put("line", x.line());
    m.put("group", x.group());
    m.put("entry", x.entry().orElse(null));
    return m;
  }

}
