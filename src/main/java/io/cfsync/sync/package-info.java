/**
 * One run, end to end: resolve the lists (fetch, validate, cache, fall back add-only), read
 * what the backend owns, plan, apply the safety guards (removal limit, add-only on fallback),
 * apply, verify by re-reading, undo on failure. Uses {@code source}, {@code state},
 * {@code backend}, {@code exec} and {@code model}; knows no particular backend and prints
 * nothing itself (messages go through {@link io.cfsync.sync.Log}).
 */
package io.cfsync.sync;
