package io.cfsync.exec;

/**
 * Records mutations instead of running them, for {@code plan} and {@code apply --dry-run}:
 * the same code path as a real apply, so what is printed is what would run.
 */
public final class RecordingRunner implements ProcessRunner {

  private final Transcript transcript = new Transcript();

  @Override
  public Result run(Command c) {
    transcript.add(c);
    return new Result(0, "", "");
  }

  @Override
  public void note(String text) {
    transcript.addNote(text);
  }

  @Override
  public boolean recording() {
    return true;
  }

  public Transcript transcript() {
    return transcript;
  }
}
