/**
 * What cfsync remembers between runs, under {@code --state-dir}: the last-known-good lists
 * with their metadata, the run lock, and atomic file writes (temp, fsync, rename, fsync of
 * the directory; files 0600 in a 0700 directory). May use {@code model}, {@code source} and
 * {@code error}. Must never write a file in place: a crash leaves the old file or the new
 * one, never half of either.
 */
package io.cfsync.state;
