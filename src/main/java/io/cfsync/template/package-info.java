/**
 * Templates and the files made from them: the render-only registry of kinds ({@link
 * io.cfsync.template.Kind}: the live backends plus nginx), strict Mustache compilation of the
 * built-in templates (top-level {@code templates/}, packed as {@code io/cfsync/templates/})
 * and of the operator's own, in-place rewrites of marker blocks and nft set elements that keep
 * every other byte, the readers {@code check} uses to find the ranges a file allows, the
 * comparison by covered addresses, unified diffs, and syntax checks with the real tools. May
 * use {@code model}, {@code backend}'s value types (names, ports, policy), {@code exec} and
 * {@code error}. Must never touch the host's firewall: a syntax check runs the tool inside a
 * network namespace it creates and deletes, or in a dry-run mode; it never calls a backend.
 */
package io.cfsync.template;
