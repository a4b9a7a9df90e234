/**
 * {@code cfsync watch}: a long-running loop that keeps what cfsync owns in place. It listens
 * to the kernel's ruleset changes ({@code nft monitor}, which also reports iptables-nft), to
 * UFW's rule files, or polls where no event stream exists; after a burst of changes settles
 * it re-reads cfsync's own state through the backend and re-applies only when the plan is
 * not empty, so the decision never rests on the text of an event. It also re-fetches the
 * lists on its own schedule with the same validation, removal guard and add-only fallback
 * as {@code apply}. May use {@code sync}, {@code backend}, {@code state}, {@code exec},
 * {@code source}, {@code model} and {@code error}; must never parse command-line options
 * (the {@code cli} wiring passes everything in), start a process through a shell, hold the
 * run lock except while applying, or write to the firewall when a check finds it in sync.
 */
package io.cfsync.watch;
