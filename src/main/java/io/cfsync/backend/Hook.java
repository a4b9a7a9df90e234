package io.cfsync.backend;

/**
 * Where the rules attach. Docker's published ports are DNATed and forwarded, so they never
 * traverse INPUT: for them the hook is {@code DOCKER-USER}.
 */
public enum Hook {
  INPUT("INPUT"),
  DOCKER_USER("DOCKER-USER");

  private final String chain;

  Hook(String chain) {
    this.chain = chain;
  }

  /** The iptables chain this hook attaches to. */
  public String chain() {
    return chain;
  }

  public String word() {
    return this == INPUT ? "input" : "docker-user";
  }
}
