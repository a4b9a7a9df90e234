package io.cfsync.cli;

import com.google.common.base.Stopwatch;
import io.cfsync.error.ExitCode;
import io.cfsync.model.Family;
import io.cfsync.model.Prefix;
import io.cfsync.sync.Resolution;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code cfsync fetch}: fetch, validate, cache and print the lists. */
@Command(name = "fetch", mixinStandardHelpOptions = true,
    description = {"Fetch Cloudflare's lists, validate them and print them, one CIDR a line "
        + "(IPv4 first). A valid download also refreshes the last-known-good cache.", "",
        "Exit codes: 0 printed (possibly from a fallback, said on stderr), 1 error, "
            + "3 a source answered with an invalid list, 64 usage."})
final class FetchCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Mixin
  ListOptions lists;

  @Mixin
  OutputOptions output;

  @Mixin
  MetricsOptions metrics;

  @Override
  public Integer call() {
    Console log = output.console();
    Stopwatch sw = Stopwatch.createStarted();
    Resolution r;
    try {
      r = Lists.resolve(lists, log);
    } catch (RuntimeException e) {
      metrics.failure("fetch", lists.stateDir(), e, sw.elapsed(), log);
      throw e;
    }
    PrintWriter out = spec.commandLine().getOut();
    if (output.json) {
      Map<String, Object> doc = Json.doc("cfsync.fetch/v1");
      doc.put("fallback", r.addOnly());
      doc.putAll(Json.byFamily(r.prefixes()));
      doc.put("sources", Json.sources(r));
      out.print(Json.write(doc));
    } else {
      for (Prefix p : r.prefixes().prefixes()) {
        out.println(p);
      }
    }
    out.flush();
    log.info(r.prefixes().prefixCount(Family.V4) + " IPv4 + "
        + r.prefixes().prefixCount(Family.V6) + " IPv6 prefixes from " + Lists.describe(r));
    metrics.success("fetch", lists.stateDir(), r, r.prefixes(), lists.families(), false,
        sw.elapsed(), log);
    return ExitCode.OK;
  }
}
