package io.cfsync.watch;

import io.cfsync.exec.Command;
import io.cfsync.exec.ProcessRunner;
import io.cfsync.exec.Result;
import io.cfsync.sync.Log;
import java.time.Duration;
import java.util.Optional;

/**
 * sd_notify through {@code systemd-notify}. Java 17 cannot send to the {@code AF_UNIX}
 * datagram socket in {@code NOTIFY_SOCKET} (its unix-domain channels are stream-only), so
 * the message goes through systemd's own tool, started with an argument vector. The unit
 * needs {@code NotifyAccess=all}, since the sender is a child of the main process; and
 * systemd-notify (systemd 246 and later) waits until PID 1 has processed the message (a
 * barrier) before it exits, so the child's short life does not lose it.
 */
public final class SystemdNotify implements Notifier {

  private final ProcessRunner run;
  private final Log log;
  private boolean broken;

  private SystemdNotify(ProcessRunner run, Log log) {
    this.run = run;
    this.log = log;
  }

  /** A notifier when systemd asked for one ({@code NOTIFY_SOCKET} set), else none. */
  public static Notifier fromEnvironment(ProcessRunner run, Log log) {
    String socket = System.getenv("NOTIFY_SOCKET");
    return socket == null || socket.isEmpty() ? Notifier.NONE : new SystemdNotify(run, log);
  }

  @Override
  public void ready(String status) {
    send("--ready", "--status=" + status);
  }

  @Override
  public void status(String status) {
    send("--status=" + status);
  }

  @Override
  public void stopping() {
    send("STOPPING=1");
  }

  private synchronized void send(String... args) {
    if (broken) {
      return;
    }
    String[] argv = new String[args.length + 1];
    argv[0] = "systemd-notify";
    System.arraycopy(args, 0, argv, 1, args.length);
    Optional<String> why;
    try {
      Result r = run.run(Command.of(argv).withTimeout(Duration.ofSeconds(10)));
      why = r.ok() ? Optional.empty() : Optional.of("exited " + r.exitCode() + ": "
          + r.firstErrorLine());
    } catch (RuntimeException e) {
      why = Optional.of(e.getMessage());
    }
    if (why.isPresent()) {
      // Without notifications a Type=notify unit times out and restarts: say so once.
      broken = true;
      log.warn("systemd-notify " + why.get() + "; the service manager is not told the "
          + "watch's state (use Type=simple, or check NotifyAccess=all)");
    }
  }
}
