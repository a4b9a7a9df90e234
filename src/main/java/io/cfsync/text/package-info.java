/**
 * Text utilities shared by the CLI, templates and backends: the unified diff that
 * {@code render --check} prints and that UFW's file mode plans and re-applies. Depends on
 * guava only; performs no I/O and knows nothing of firewalls.
 */
package io.cfsync.text;
