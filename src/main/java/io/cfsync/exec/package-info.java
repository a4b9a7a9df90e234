/**
 * Running external tools: {@link io.cfsync.exec.Command} (an argument vector, optional stdin,
 * a timeout), the {@link io.cfsync.exec.ProcessRunner} seam, the real
 * {@link io.cfsync.exec.SystemProcessRunner} and the {@link io.cfsync.exec.RecordingRunner}
 * whose {@link io.cfsync.exec.Transcript} is what {@code plan} and {@code apply --dry-run}
 * print. Depends on guava and {@code error} only. Must never start a shell: scripts go to the
 * tool on stdin ({@code nft -f -}, {@code iptables-restore --noflush}).
 */
package io.cfsync.exec;
