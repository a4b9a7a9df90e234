package io.cfsync.backend;

import com.google.common.collect.ImmutableList;
import io.cfsync.exec.Command;
import io.cfsync.model.Diff;

/**
 * A computed change: the commands that converge the firewall (each one transaction of its
 * tool), the commands that restore the state read before (run in order if a later command
 * or the verification fails), the prefix diff, and notes for the operator (untagged rules
 * seen, broader allows that defeat restrict, …). Empty {@code commands} means in sync.
 */
public record Plan(String backend, Diff diff, ImmutableList<Command> commands,
    ImmutableList<Command> undo, ImmutableList<String> notes) {

  public Plan {
    commands = ImmutableList.copyOf(commands);
    undo = ImmutableList.copyOf(undo);
    notes = ImmutableList.copyOf(notes);
  }

  public boolean isEmpty() {
    return commands.isEmpty();
  }
}
