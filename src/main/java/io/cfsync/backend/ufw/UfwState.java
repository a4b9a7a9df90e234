package io.cfsync.backend.ufw;

import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableMultiset;
import io.cfsync.backend.Installed;
import io.cfsync.model.Family;
import io.cfsync.model.Prefix;
import io.cfsync.model.PrefixSet;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What UFW holds, read under UFW's lock: per family the rule file (exact bytes, parsed) and,
 * when UFW's chains are loaded, the allow rules its input chain holds; whether UFW is enabled,
 * whether it does IPv6, and its default incoming policy. Ownership is by comment tag.
 *
 * @param families the families UFW manages (IPv6 only with {@code IPV6=yes})
 * @param defaultInput {@code DROP}, {@code REJECT} or {@code ACCEPT} from
 *     {@code /etc/default/ufw}
 */
record UfwState(String tag, boolean enabled, String defaultInput,
    ImmutableMap<Family, FamilyState> families) implements Installed {

  /**
   * One family's rule file and chain.
   *
   * @param live the input chain's allow rules as loaded in the kernel; empty when the chain
   *     does not exist (UFW is not running)
   */
  record FamilyState(Family family, Path path, String content, RulesFile file,
      Optional<ImmutableMultiset<String>> live) {

    /** The file's rules and the loaded chain disagree (a load never happened, or failed). */
    boolean drift() {
      return live.isPresent() && !live.get().equals(file.shapes());
    }
  }

  Optional<FamilyState> family(Family f) {
    return Optional.ofNullable(families.get(f));
  }

  /** The sources cfsync's own allow rules let in (what an add-only run must keep). */
  @Override
  public PrefixSet prefixes() {
    List<Prefix> out = new ArrayList<>();
    for (FamilyState fs : families.values()) {
      for (RulesFile.Block b : fs.file().blocks()) {
        if (b.tuple().taggedWith(tag) && b.tuple().verb().equals("allow")) {
          b.tuple().srcPrefix().ifPresent(out::add);
        }
      }
    }
    return PrefixSet.of(out);
  }

  @Override
  public boolean present() {
    return families.values().stream().flatMap(fs -> fs.file().blocks().stream())
        .anyMatch(b -> b.tuple().taggedWith(tag));
  }

  boolean ipv6() {
    return families.containsKey(Family.V6);
  }
}
