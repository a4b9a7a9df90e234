package io.cfsync.backend.ufw;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cfsync.backend.Desired;
import io.cfsync.backend.Plan;
import io.cfsync.error.BackendFailure;
import io.cfsync.exec.Command;
import io.cfsync.exec.ProcessRunner;
import io.cfsync.exec.Result;
import io.cfsync.model.Family;
import io.cfsync.sync.Log;
import io.cfsync.sync.Sync;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Apply and undo without root, against UFW's files in a temporary directory and a stand-in
 * for the kernel that loads what {@code iptables-restore -n FILE} names and lists it back.
 * The same behaviour against real UFW is in {@link UfwLiveTest}.
 */
class UfwBackendTest {

  @TempDir
  Path root;

  private UfwPaths paths;

  @BeforeEach
  void files() throws Exception {
    paths = UfwPaths.under(root);
    Files.createDirectories(paths.rulesV4().getParent());
    Files.createDirectories(paths.defaults().getParent());
    Files.createDirectories(paths.lock().getParent());
    Files.writeString(paths.rulesV4(), Fixtures.nutratech(Family.V4), StandardCharsets.ISO_8859_1);
    Files.writeString(paths.rulesV6(), Fixtures.nutratech(Family.V6), StandardCharsets.ISO_8859_1);
    Files.writeString(paths.ufwConf(), "ENABLED=yes\n");
    Files.writeString(paths.defaults(), "IPV6=yes\nDEFAULT_INPUT_POLICY=\"DROP\"\n");
  }

  /** Loads rule files on restore, lists them on save; fails commands matching {@code fail}. */
  static final class Kernel implements ProcessRunner {
    final Map<String, String> loaded = new HashMap<>();
    final List<String> ran = new ArrayList<>();
    Predicate<Command> fail = c -> false;
    /** Restores that exit 0 and load nothing. */
    Predicate<Command> lie = c -> false;

    Kernel(UfwPaths paths) throws Exception {
      for (Family f : Family.values()) {
        loaded.put(f == Family.V4 ? "ip" : "ip6", read(paths.rules(f)));
      }
    }

    @Override
    public Result run(Command c) {
      ran.add(c.toShell());
      if (fail.test(c)) {
        return new Result(2, "", c.tool() + ": injected failure");
      }
      String fam = c.tool().startsWith("ip6") ? "ip6" : "ip";
      String chain = fam.equals("ip") ? "ufw-user-input" : "ufw6-user-input";
      switch (c.tool()) {
        case "iptables-restore", "ip6tables-restore" -> {
          if (lie.test(c)) {
            return new Result(0, "", "");
          }
          try {
            loaded.put(fam, read(Path.of(c.argv().get(2))));
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
          return new Result(0, "", "");
        }
        case "iptables-save", "ip6tables-save" -> {
          StringBuilder sb = new StringBuilder("*filter\n:" + chain + " - [0:0]\n");
          for (String l : loaded.get(fam).split("\n")) {
            if (l.startsWith("-A " + chain + " ")) {
              sb.append(l).append('\n');
            }
          }
          return new Result(0, sb.append("COMMIT\n").toString(), "");
        }
        default -> {
          return new Result(0, "", "");
        }
      }
    }
  }

  private static String read(Path p) throws Exception {
    return Files.readString(p, StandardCharsets.ISO_8859_1);
  }

  private static Object inode(Path p) throws Exception {
    return Files.readAttributes(p, "unix:ino").get("ino");
  }

  @Test
  void fileModeWritesLoadsAndVerifies() throws Exception {
    Kernel k = new Kernel(paths);
    UfwBackend b = new UfwBackend(paths);
    Sync sync = new Sync(b, k, Log.SILENT);
    sync.apply(sync.prepare(Fixtures.desired(Fixtures.cloudflare(), "file"), false, 25, false), k);
    assertThat(read(paths.rulesV4())).isEqualTo(Fixtures.golden("nutratech-cf.user.rules"));
    assertThat(read(paths.rulesV6())).isEqualTo(Fixtures.golden("nutratech-cf.user6.rules"));
    assertThat(k.loaded.get("ip")).isEqualTo(read(paths.rulesV4()));
    assertThat(read(root.resolve("etc/ufw/user.rules.cfsync-bak")))
        .isEqualTo(Fixtures.nutratech(Family.V4));
    assertThat(b.plan(b.read(k, Fixtures.desired(Fixtures.cloudflare(), "file")),
        Fixtures.desired(Fixtures.cloudflare(), "file")).isEmpty()).isTrue();
  }

  @Test
  void aFailedIpv6LoadPutsBothFilesAndTheIpv4ChainBack() throws Exception {
    Kernel k = new Kernel(paths);
    k.fail = c -> c.tool().equals("ip6tables-restore");
    Object v4Inode = inode(paths.rulesV4());
    Object v6Inode = inode(paths.rulesV6());
    Sync sync = new Sync(new UfwBackend(paths), k, Log.SILENT);
    Desired want = Fixtures.desired(Fixtures.cloudflare(), "file");
    var prepared = sync.prepare(want, false, 25, false);

    assertThatThrownBy(() -> sync.apply(prepared, k)).isInstanceOf(BackendFailure.class)
        .hasMessageContaining("ip6tables-restore exited 2")
        .hasMessageEndingWith("UFW's rule files and chains are as before");
    assertThat(read(paths.rulesV4())).isEqualTo(Fixtures.nutratech(Family.V4));
    assertThat(read(paths.rulesV6())).isEqualTo(Fixtures.nutratech(Family.V6));
    assertThat(inode(paths.rulesV4())).isEqualTo(v4Inode);
    assertThat(inode(paths.rulesV6())).isEqualTo(v6Inode);
    assertThat(k.loaded.get("ip")).isEqualTo(Fixtures.nutratech(Family.V4));
    assertThat(k.ran).containsSubsequence("iptables-restore -n " + paths.rulesV4(),
        "ip6tables-restore -n " + paths.rulesV6(), "iptables-restore -n " + paths.rulesV4());
  }

  @Test
  void fileModeProvesItsEndStateItselfSoTheRunReadsTheChainsOnceAfterLoading()
      throws Exception {
    Kernel k = new Kernel(paths);
    UfwBackend b = new UfwBackend(paths);
    Sync sync = new Sync(b, k, Log.SILENT);
    var prepared = sync.prepare(Fixtures.desired(Fixtures.cloudflare(), "file"), false, 25,
        false);
    assertThat(b.verifiesApply(prepared.plan())).isTrue();
    k.ran.clear();

    sync.apply(prepared, k);
    // Per family: one load, then one listing to check it; no second read by the caller.
    assertThat(k.ran).containsExactly("iptables-restore -n " + paths.rulesV4(),
        "ip6tables-restore -n " + paths.rulesV6(), "iptables-save -t filter",
        "ip6tables-save -t filter");
  }

  @Test
  void aRestoreThatSucceedsWithoutLoadingIsCaughtAndBothFilesGoBack() throws Exception {
    Kernel k = new Kernel(paths);
    k.lie = c -> c.tool().equals("ip6tables-restore");
    Sync sync = new Sync(new UfwBackend(paths), k, Log.SILENT);
    var prepared = sync.prepare(Fixtures.desired(Fixtures.cloudflare(), "file"), false, 25,
        false);

    assertThatThrownBy(() -> sync.apply(prepared, k)).isInstanceOf(BackendFailure.class)
        .hasMessageContaining("ip6tables-restore succeeded but UFW's ufw6-user-input chain "
            + "does not hold the rules of " + paths.rulesV6())
        .hasMessageEndingWith("UFW's rule files and chains are as before");
    assertThat(read(paths.rulesV4())).isEqualTo(Fixtures.nutratech(Family.V4));
    assertThat(read(paths.rulesV6())).isEqualTo(Fixtures.nutratech(Family.V6));
    assertThat(k.loaded.get("ip")).isEqualTo(Fixtures.nutratech(Family.V4));
  }

  @Test
  void cliModePlansAreLeftToTheCallersReRead() throws Exception {
    UfwBackend b = new UfwBackend(paths);
    var plan = planFor(b, new Kernel(paths), "cli");
    assertThat(plan.isEmpty()).isFalse();
    assertThat(b.verifiesApply(plan)).isFalse();
  }

  /** The plan from the files as they are to Cloudflare's list, in {@code mode}. */
  private static Plan planFor(UfwBackend b, Kernel k, String mode) {
    Desired want = Fixtures.desired(Fixtures.cloudflare(), mode);
    return b.plan(b.read(k, want), want);
  }

  @Test
  void refusesToWriteAFileThatChangedAfterThePlan() throws Exception {
    Kernel k = new Kernel(paths);
    UfwBackend b = new UfwBackend(paths);
    var plan = planFor(b, k, "file");
    // A ufw run in between: its change must not be overwritten.
    String theirs = read(paths.rulesV4()).replace("### END RULES ###",
        "### tuple ### allow tcp 25 0.0.0.0/0 any 0.0.0.0/0 in\n"
            + "-A ufw-user-input -p tcp --dport 25 -j ACCEPT\n\n### END RULES ###");
    Files.writeString(paths.rulesV4(), theirs, StandardCharsets.ISO_8859_1);

    assertThatThrownBy(() -> b.apply(plan, k)).isInstanceOf(BackendFailure.class)
        .hasMessageContaining("changed since cfsync read it");
    assertThat(read(paths.rulesV4())).isEqualTo(theirs);
    assertThat(read(paths.rulesV6())).isEqualTo(Fixtures.nutratech(Family.V6));
    assertThat(k.ran).noneMatch(c -> c.contains("restore"));
  }

  @Test
  void cliModeUndoesWithInverseCommandsInReverseWhenAStepFails() throws Exception {
    Kernel k = new Kernel(paths);
    k.fail = c -> c.argv().contains("2606:4700::/32") && !c.argv().contains("delete");
    Sync sync = new Sync(new UfwBackend(paths), k, Log.SILENT);
    var prepared = sync.prepare(Fixtures.desired(Fixtures.cloudflare(), "cli"), false, 25,
        false);
    int before = k.ran.size();

    assertThatThrownBy(() -> sync.apply(prepared, k)).isInstanceOf(BackendFailure.class)
        .hasMessageContaining("ufw exited 2");
    List<String> ufw = k.ran.subList(before, k.ran.size()).stream()
        .filter(c -> c.startsWith("ufw ")).toList();
    // 18 adds ran (the 19th failed), then the inverse of all 22, last first.
    assertThat(ufw.get(18)).isEqualTo(
        "ufw allow proto tcp from 2606:4700::/32 to any port 80,443 comment cfsync");
    assertThat(ufw.subList(19, ufw.size())).hasSize(22).first().isEqualTo(
        "ufw delete allow proto tcp from 2c0f:f248::/32 to any port 80,443 comment cfsync");
    assertThat(ufw.get(ufw.size() - 1)).isEqualTo(
        "ufw delete allow proto tcp from 103.21.244.0/22 to any port 80,443 comment cfsync");
  }

  @Test
  void readsAPristinePackageFileAsAnErrorWithTheWayOut() throws Exception {
    Files.writeString(paths.rulesV4(), "*filter\n:ufw-user-input - [0:0]\n### RULES ###\n"
        + "COMMIT\n");
    UfwBackend b = new UfwBackend(paths);
    assertThatThrownBy(() -> b.read(new Kernel(paths))).isInstanceOf(BackendFailure.class)
        .hasMessageContaining("was not written by ufw")
        .hasMessageContaining("ufw allow 22/tcp");
  }
}
