package io.cfsync.watch;

/** Tells the service manager how the watch is doing (systemd's sd_notify protocol). */
public interface Notifier {

  /** The first apply is done and changes are being watched. */
  void ready(String status);

  /** A one-line status ({@code systemctl status} shows it). */
  void status(String status);

  /** A stop was requested; the current apply finishes first. */
  void stopping();

  Notifier NONE = new Notifier() {
    @Override
    public void ready(String status) {}

    @Override
    public void status(String status) {}

    @Override
    public void stopping() {}
  };
}
