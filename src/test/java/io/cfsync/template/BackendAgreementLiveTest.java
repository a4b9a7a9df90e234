package io.cfsync.template;

import static org.assertj.core.api.Assertions.assertThat;

import io.cfsync.exec.Command;
import io.cfsync.exec.ProcessRunner;
import io.cfsync.exec.Result;
import io.cfsync.live.Live;
import io.cfsync.live.Netns;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rendered files and the live backends agree: in one namespace {@code cfsync apply}
 * installs the rules, in another the rendered file is loaded with the tool itself; cfsync's
 * rules read back the same, and {@code check} finds the live dump current.
 */
@Live(tools = {"iptables-restore", "ip6tables-restore", "ipset", "socat"})
class BackendAgreementLiveTest {

  @TempDir
  Path tmp;

  private Result run(ProcessRunner r, String... argv) {
    Result res = r.run(Command.of(argv));
    assertThat(res.exitCode()).as("%s: %s", String.join(" ", argv), res.stderr()).isZero();
    return res;
  }

  private static List<String> cfsyncLines(String save) {
    return save.lines().filter(l -> l.startsWith("-A CFSYNC") || l.contains("-j CFSYNC"))
        .toList();
  }

  private String rendered(Netns ns, String... args) {
    String[] all = new String[args.length + 4];
    all[0] = "render";
    all[1] = "--source";
    all[2] = "builtin";
    all[3] = "--state-dir=" + tmp.resolve("render-state");
    System.arraycopy(args, 0, all, 4, args.length);
    Result r = ns.cfsyncRun(tmp, all);
    assertThat(r.exitCode()).as(r.stderr()).isZero();
    return r.stdout();
  }

  @Test
  void iptablesRulesFileLoadsToTheChainTheBackendInstalls() throws IOException {
    for (String[] opts : new String[][] {{"--policy", "allow"}, {"--policy", "restrict",
        "--action", "reject", "--allow-extra", "198.51.100.7,2001:db8:1::7"}}) {
      try (Netns ns = Netns.create()) {
        String[] apply = concat(new String[] {"apply", "--backend", "iptables", "--source",
            "builtin", "--state-dir=" + tmp.resolve("apply-state")}, opts);
        Result a = ns.cfsyncRun(tmp, apply);
        assertThat(a.exitCode()).as(a.stderr()).isZero();
        for (String fam : List.of("4", "6")) {
          String tool = fam.equals("4") ? "iptables" : "ip6tables";
          Path file = tmp.resolve("rules.v" + fam);
          Files.writeString(file, rendered(ns, concat(new String[] {"--backend", "iptables",
              "--family", fam}, opts)));
          run(ns.client(), tool + "-restore", file.toString());
          String live = run(ns.server(), tool + "-save", "-t", "filter").stdout();
          String fromFile = run(ns.client(), tool + "-save", "-t", "filter").stdout();
          assertThat(cfsyncLines(fromFile)).as("%s %s", tool, String.join(" ", opts))
              .containsExactlyInAnyOrderElementsOf(cfsyncLines(live)
                  .stream().map(l -> l.replace("-A CFSYNC -j DROP", "-A CFSYNC -p tcp -j DROP"))
                  .toList());
          Path dump = tmp.resolve("live.v" + fam);
          Files.writeString(dump, live);
          Result check = ns.cfsyncRun(tmp, "check", "--source", "builtin",
              "--state-dir=" + tmp.resolve("check-state"), dump.toString());
          assertThat(check.exitCode()).as(check.stdout()).isZero();
        }
      }
    }
  }

  @Test
  void ipsetFileLoadsTheSetsTheBackendInstalls() throws IOException {
    try (Netns ns = Netns.create()) {
      Result a = ns.cfsyncRun(tmp, "apply", "--backend", "ipset", "--source", "builtin",
          "--state-dir=" + tmp.resolve("apply-state"));
      assertThat(a.exitCode()).as(a.stderr()).isZero();
      Path file = tmp.resolve("ipset.restore");
      Files.writeString(file, rendered(ns, "--backend", "ipset"));
      run(ns.client(), "ipset", "restore", "-f", file.toString());
      // Loading it twice is how a boot script and a later refresh meet: still fine.
      run(ns.client(), "ipset", "restore", "-f", file.toString());
      for (String set : List.of("cfsync-v4", "cfsync-v6")) {
        String live = run(ns.server(), "ipset", "list", set).stdout();
        String fromFile = run(ns.client(), "ipset", "list", set).stdout();
        assertThat(members(fromFile)).as(set).isEqualTo(members(live)).isNotEmpty();
        assertThat(header(fromFile, "Type:")).isEqualTo(header(live, "Type:"));
      }
      assertThat(run(ns.client(), "ipset", "list", "-n").stdout().lines().toList())
          .containsExactlyInAnyOrder("cfsync-v4", "cfsync-v6");
      Path dump = tmp.resolve("live.ipset");
      Files.writeString(dump, run(ns.server(), "ipset", "save").stdout());
      Result check = ns.cfsyncRun(tmp, "check", "--source", "builtin",
          "--state-dir=" + tmp.resolve("check-state"), dump.toString());
      assertThat(check.exitCode()).as(check.stdout()).isZero();
    }
  }

  private static List<String> members(String list) {
    return list.substring(list.indexOf("Members:")).lines().skip(1).filter(l -> !l.isBlank())
        .sorted().toList();
  }

  private static String header(String list, String key) {
    return list.lines().filter(l -> l.startsWith(key)).findFirst().orElse("");
  }

  private static String[] concat(String[] a, String[] b) {
    String[] out = new String[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
