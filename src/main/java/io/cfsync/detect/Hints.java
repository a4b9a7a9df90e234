package io.cfsync.detect;

import io.cfsync.backend.Hook;
import io.cfsync.backend.Policy;
import java.util.Optional;

/**
 * What the operator already said, which detection must respect: the hook, an explicit
 * {@code --policy}, the operator's table and chain ({@code --nft-table}, {@code --nft-chain},
 * which only the nftables backend takes) and the ports (for messages).
 */
public record Hints(Hook hook, Optional<Policy> policy, Optional<String> nftTable,
    Optional<String> nftChain, String ports) {

  public static Hints defaults() {
    return new Hints(Hook.INPUT, Optional.empty(), Optional.empty(), Optional.empty(), "80,443");
  }
}
