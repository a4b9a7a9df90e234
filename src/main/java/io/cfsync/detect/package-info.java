/**
 * {@code --backend auto}: reads what governs this host's firewall (UFW's state, firewalld's
 * table, chains or pid, the operator's own nftables tables and their input chains, what
 * iptables-nft and iptables-legacy each hold, Docker's DOCKER-USER chain, and cfsync's own
 * state as each backend reads it through the {@link io.cfsync.backend.Backend} seam) into
 * {@link io.cfsync.detect.HostFacts}, and decides from those facts alone
 * ({@link io.cfsync.detect.Detector#decide}, pure) which backend to drive, with the reasons, or
 * refuses when two managers would fight. May use {@code backend} (the interface, registry
 * suppliers and value types such as {@code XtFlavour} and {@code XtTable}), {@code exec},
 * {@code model} and {@code error}. Must never write anything: it runs only listing and save
 * commands, reads files, and never reaches into a backend's package.
 */
package io.cfsync.detect;
