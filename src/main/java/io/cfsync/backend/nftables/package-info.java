/**
 * The nftables backend: under {@code --policy restrict} cfsync's own table (interval sets per
 * family and one base chain that drops new connections to the protected ports from everyone
 * else), under {@code --policy allow} sets plus comment-tagged accept rules in the operator's
 * own table and chain. Every {@code nft -f -} script is one kernel transaction; sets a rule
 * is about to use are filled in one of their own first (see {@code Planner.Steps}). Uses
 * {@code backend}, {@code model}, {@code exec} and jackson (to read {@code nft -j}). Must never
 * touch an object cfsync did not create (the operator's rules, other tables, Docker's or
 * fail2ban's chains), never run nft through a shell, and never read more than cfsync's own
 * objects.
 */
package io.cfsync.backend.nftables;
