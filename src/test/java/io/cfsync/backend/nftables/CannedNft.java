package io.cfsync.backend.nftables;

import io.cfsync.exec.Command;
import io.cfsync.exec.ProcessRunner;
import io.cfsync.exec.Result;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Answers {@code nft -j list ...} reads with real listings recorded from nft 1.0.6 (see
 * src/test/resources/nftables/listings), and anything else as nft answers a missing object.
 * For reading and planning without root; the live tests run the real nft.
 */
final class CannedNft implements ProcessRunner {

  private final Map<String, String> answers = new LinkedHashMap<>();

  /** Answers {@code nft ARGS} with the listing in {@code nftables/listings/FILE}. */
  CannedNft on(String args, String file) {
    answers.put("nft " + args, NftTesting.resource("nftables/listings/" + file));
    return this;
  }

  CannedNft onText(String args, String stdout) {
    answers.put("nft " + args, stdout);
    return this;
  }

  @Override
  public Result run(Command c) {
    String key = String.join(" ", c.argv());
    String out = answers.get(key);
    if (out != null) {
      return new Result(0, out, "");
    }
    return new Result(1, "", "Error: No such file or directory\n" + key + "\n");
  }
}
