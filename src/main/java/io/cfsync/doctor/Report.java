package io.cfsync.doctor;

import com.google.common.collect.ImmutableList;
import io.cfsync.error.ExitCode;
import java.time.Duration;

/** Every finding of one doctor run, in check order. */
public record Report(ImmutableList<Finding> findings, Duration took) {

  public Report {
    findings = ImmutableList.copyOf(findings);
  }

  public Status worst() {
    Status s = Status.OK;
    for (Finding f : findings) {
      s = s.and(f.status());
    }
    return s;
  }

  public long count(Status s) {
    return findings.stream().filter(f -> f.status() == s).count();
  }

  /**
   * 0 when nothing is wrong, 2 (the drift code) when something is. A WARN alone is not a
   * 521/522 cause, so it exits 0 unless {@code strict}: a monitoring job can then alert on
   * "could not check" too.
   */
  public int exitCode(boolean strict) {
    Status w = worst();
    return w == Status.FAIL || (strict && w == Status.WARN) ? ExitCode.DRIFT : ExitCode.OK;
  }
}
