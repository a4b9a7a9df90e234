/**
 * The seam every firewall tool sits behind: {@link io.cfsync.backend.Backend} (read what cfsync
 * owns, plan the change purely, apply it as one transaction per tool), the values that cross
 * it ({@link io.cfsync.backend.Desired}, {@link io.cfsync.backend.Installed},
 * {@link io.cfsync.backend.Plan}) and the {@link io.cfsync.backend.BackendRegistry}. A
 * backend package ({@code backend.nftables}, …) uses this package, {@code model} and
 * {@code exec}, never another backend, never {@code source} or {@code state}. Names that end
 * up in rules pass {@link io.cfsync.backend.Names} first. The pieces the iptables and ipset
 * backends share live here too, small and tool-generic: {@code iptables-save} parsing
 * ({@link io.cfsync.backend.XtTable}), restore scripts ({@link io.cfsync.backend.XtRestore}),
 * cfsync's own chain and tagged jump ({@link io.cfsync.backend.XtChain},
 * {@link io.cfsync.backend.XtState}), compensated multi-tool apply
 * ({@link io.cfsync.backend.Steps}) and bulk CIDR text ({@link io.cfsync.backend.Cidrs}).
 */
package io.cfsync.backend;
