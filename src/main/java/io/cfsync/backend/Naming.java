package io.cfsync.backend;

/**
 * The names of everything cfsync owns, validated once. {@code tag} is the comment that marks
 * cfsync's rules in chains it shares (iptables jump, nft rule in the operator's chain, UFW).
 */
public record Naming(String table, String chain, String setPrefix, String tag) {

  public static final Naming DEFAULT = new Naming("cfsync", "CFSYNC", "cfsync", "cfsync");

  public Naming {
    Names.name("table name", table);
    Names.name("chain name", chain);
    Names.name("set name prefix", setPrefix);
    Names.comment("comment tag", tag);
  }

  /** The set of one family: {@code cfsync-v4}, {@code cfsync-v6}. */
  public String set(io.cfsync.model.Family f) {
    return setPrefix + "-v" + f.digit();
  }
}
