/**
 * The seam every firewall tool sits behind: {@link io.cfsync.backend.Backend} (read what cfsync
 * owns, plan the change purely, apply it as one transaction per tool), the values that cross
 * it ({@link io.cfsync.backend.Desired}, {@link io.cfsync.backend.Installed},
 * {@link io.cfsync.backend.Plan}) and the {@link io.cfsync.backend.BackendRegistry}. A
 * backend package ({@code backend.nftables}, …) uses this package, {@code model} and
 * {@code exec}, never another backend, never {@code source} or {@code state}. Names that end
 * up in rules pass {@link io.cfsync.backend.Names} first.
 */
package io.cfsync.backend;
