/**
 * Benchmarks: programs with a {@code main} that print figures (run by {@code bin/bench}), not
 * tests. They may use every main package. They must never assert timings or run under
 * surefire, and never touch the machine's firewall.
 */
package io.cfsync.bench;
