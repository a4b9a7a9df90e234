/**
 * {@code cfsync doctor}: why Cloudflare gets 521 (refused) or 522 (timed out) from this origin,
 * one finding per check with the one-line fix. Listening sockets from {@code /proc/net/tcp{,6}}
 * (root injectable through {@link io.cfsync.doctor.ProcFs}); the firewall judged by real SYNs
 * from Cloudflare sample addresses at a copy of the ruleset in a throw-away network namespace
 * pair ({@link io.cfsync.doctor.Lab}), with {@code nft monitor trace} naming the deciding rule;
 * fail2ban/CrowdSec ban lists; cfsync's own rules through {@link io.cfsync.backend.Backend#read};
 * the web server's systemd unit, the kernel log and journal; cfsync's cache and schedule.
 * May use {@code backend} (the interface and registry, never a backend package), {@code exec},
 * {@code model}, {@code source} (the built-in snapshot), {@code state} and {@code sync.Log}.
 * Must never change the host: it reads the host only, and every write goes into namespaces it
 * creates (with {@code ip -n NS} / {@code ip netns exec NS}) and removes again; processes are
 * started from an argument vector, never a shell.
 */
package io.cfsync.doctor;
