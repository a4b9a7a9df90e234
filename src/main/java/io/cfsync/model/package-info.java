/**
 * The address model: {@link io.cfsync.model.Prefix}, {@link io.cfsync.model.Family},
 * {@link io.cfsync.model.PrefixSet} and {@link io.cfsync.model.Diff}. Pure values built on
 * guava only. Sets are compared and diffed by the addresses they cover (a
 * {@code RangeSet<BigInteger>} per family), never by element text, because kernels and tools
 * list the same coverage in different shapes (nft auto-merge prints ranges, ipset lists in
 * hash order). This package performs no I/O and must never depend on another cfsync package.
 */
package io.cfsync.model;
