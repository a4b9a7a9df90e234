/**
 * The iptables/ip6tables backend: cfsync's own chain per family, one {@code -s PREFIX -j
 * ACCEPT} per prefix, refilled with {@code iptables-restore --noflush} together with its one
 * comment-tagged jump. Uses {@code backend} (the shared xtables parsing, restore scripts and
 * chain layout), {@code model} and {@code exec}; never another backend, never {@code source}
 * or {@code state}. Must never write a chain or rule it does not own, nor read the ruleset
 * through {@code nft -j}.
 */
package io.cfsync.backend.iptables;
