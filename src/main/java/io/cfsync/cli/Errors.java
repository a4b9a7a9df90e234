package io.cfsync.cli;

import io.cfsync.error.CfsyncException;
import io.cfsync.error.ExitCode;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IExitCodeExceptionMapper;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * The one place exceptions become exit codes and one-line messages. picocli's own usage
 * code is 2, which is our drift code, so parameter errors are mapped to 64 here.
 */
final class Errors implements IExitCodeExceptionMapper, IExecutionExceptionHandler,
    IParameterExceptionHandler {

  @Override
  public int getExitCode(Throwable t) {
    if (t instanceof CfsyncException c) {
      return c.exitCode();
    }
    if (t instanceof ParameterException) {
      return ExitCode.USAGE;
    }
    return ExitCode.ERROR;
  }

  @Override
  public int handleExecutionException(Exception ex, CommandLine cmd, ParseResult parsed) {
    boolean verbose = parsed != null && verbose(parsed);
    print(ex, cmd, verbose);
    return getExitCode(ex);
  }

  static void print(Throwable ex, CommandLine cmd, boolean verbose) {
    var err = cmd.getErr();
    String level = Journal.prefix(Journal.isStderr(), Journal.ERR);
    if (ex instanceof CfsyncException) {
      err.println(level + "cfsync: " + ex.getMessage());
    } else {
      err.println(level + "cfsync: internal error: " + ex + " (please report it; -v shows where)");
    }
    if (verbose) {
      ex.printStackTrace(err);
    }
    err.flush();
  }

  private static boolean verbose(ParseResult parsed) {
    for (ParseResult p = parsed; p != null; p = p.subcommand()) {
      if (p.hasMatchedOption("-v")) {
        return true;
      }
      if (p.subcommand() == null) {
        break;
      }
    }
    return false;
  }

  @Override
  public int handleParseException(ParameterException ex, String[] args) {
    CommandLine cmd = ex.getCommandLine();
    var err = cmd.getErr();
    Throwable cause = ex.getCause();
    String msg = cause instanceof CfsyncException ? cause.getMessage() : ex.getMessage();
    err.println("cfsync: " + msg + " (see '" + cmd.getCommandSpec().qualifiedName() + " --help')");
    err.flush();
    return ExitCode.USAGE;
  }
}
