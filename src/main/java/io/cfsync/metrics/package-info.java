/**
 * Run metrics for node_exporter's textfile collector: what one run did (outcome, duration,
 * prefixes, fallback, fetch failures), the few values that must outlive a run (the failure
 * counter, the last success and change) kept in the state directory, and the {@code .prom}
 * file written atomically. May use {@code model}, {@code state} and {@code error}; must never
 * touch the firewall or the network, and must never fail a run that succeeded: a metrics
 * write problem is reported, not raised as the run's outcome.
 */
package io.cfsync.metrics;
