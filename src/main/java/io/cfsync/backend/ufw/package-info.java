/**
 * The UFW backend: cfsync's rules are UFW rules carrying cfsync's comment tag, read from and
 * written to UFW's own rule files ({@code /etc/ufw/user.rules}, {@code user6.rules}), never
 * found by rule number or by parsing {@code ufw status}. File mode writes those files in
 * UFW's exact format and loads only UFW's user chains with {@code iptables-restore -n};
 * cli mode runs {@code ufw allow}/{@code ufw delete}. Uses {@code backend}, {@code model},
 * {@code exec} and {@code error}. Must never touch an untagged rule, run {@code ufw reload},
 * {@code ufw enable} or (unless asked with {@code --ufw-default-deny}) {@code ufw default},
 * or write UFW's files without holding UFW's lock.
 */
package io.cfsync.backend.ufw;
