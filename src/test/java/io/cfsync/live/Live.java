package io.cfsync.live;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A test that drives real firewall tools in network namespaces it creates. It needs root and
 * the listed tools: without them it is skipped, except under {@code CI=true}, where a skip
 * would hide that the kernel was never exercised, so it fails instead.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Tag("live")
@ExtendWith(LiveCondition.class)
public @interface Live {
  /** Programs that must be on PATH, e.g. {@code nft}, {@code socat}. {@code ip} is implied. */
  String[] tools() default {};
}
