package io.cfsync.doctor;

import io.cfsync.error.BackendFailure;
import io.cfsync.exec.Command;
import io.cfsync.exec.ProcessRunner;
import io.cfsync.exec.Result;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Answers commands with recorded outputs, for unit tests of how doctor reads tools' text.
 * A command it has no answer for behaves like a tool that is not installed.
 */
final class CannedRunner implements ProcessRunner {

  private final Map<String, Result> answers = new LinkedHashMap<>();
  final List<String> asked = new ArrayList<>();

  CannedRunner on(String argv, int rc, String stdout, String stderr) {
    answers.put(argv, new Result(rc, stdout, stderr));
    return this;
  }

  CannedRunner on(String argv, String stdout) {
    return on(argv, 0, stdout, "");
  }

  @Override
  public Result run(Command c) {
    String key = String.join(" ", c.argv());
    asked.add(key);
    Result r = answers.get(key);
    if (r == null) {
      throw new BackendFailure(c.tool() + " could not be started (No such file or directory); "
          + "is it installed and on PATH?");
    }
    return r;
  }
}
