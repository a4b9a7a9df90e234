/**
 * The ipset backend: {@code hash:net} sets per family ({@code cfsync-v4}, {@code cfsync-v6})
 * replaced atomically (fill a temporary set, {@code ipset swap}), and one iptables rule
 * matching them ({@code -m set --match-set cfsync-v4 src}) in cfsync's chain with its tagged
 * jump; scales to 100k prefixes where a rule per prefix would not. Uses {@code backend} (the
 * shared xtables parsing and chain layout), {@code model} and {@code exec}; never another
 * backend, never {@code source} or {@code state}. Must never touch a set it does not own
 * (Docker's, fail2ban's {@code f2b-*}, crowdsec's): it reads and writes only its own names.
 */
package io.cfsync.backend.ipset;
