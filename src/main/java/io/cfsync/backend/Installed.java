package io.cfsync.backend;

import io.cfsync.model.PrefixSet;

/**
 * What cfsync owns in the live firewall, as one backend read it. Each backend has its own
 * record carrying the structure it needs to plan (tables, chains, rules); the common view is
 * the prefixes cfsync's rules currently let through.
 */
public interface Installed {

  /** The prefixes cfsync's own sets/rules hold now, both families. */
  PrefixSet prefixes();

  /** Whether anything cfsync owns exists at all. */
  boolean present();
}
