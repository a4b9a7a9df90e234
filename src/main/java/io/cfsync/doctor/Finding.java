package io.cfsync.doctor;

import static com.google.common.base.Preconditions.checkArgument;

import com.google.common.collect.ImmutableMap;
import java.util.Optional;

/**
 * One line of the report: which check ({@code listen}) on what ({@code 443/ipv4}), how it
 * came out, a one-line message naming the evidence, and for WARN and FAIL the one-line fix.
 * {@code details} carries the evidence for {@code --json} (strings, numbers, booleans, lists
 * and maps of those), in a stable key order.
 */
public record Finding(String check, String subject, Status status, String message,
    Optional<String> fix, ImmutableMap<String, Object> details) {

  public Finding {
    checkArgument(!check.isBlank(), "blank check name");
    checkArgument(!message.isBlank() && message.indexOf('\n') < 0, "message must be one line");
    checkArgument(status == Status.OK || fix.isPresent(), "%s %s: WARN/FAIL needs a fix", check,
        subject);
    fix.ifPresent(f -> checkArgument(!f.isBlank() && f.indexOf('\n') < 0,
        "fix must be one line"));
    details = ImmutableMap.copyOf(details);
  }

  public static Finding ok(String check, String subject, String message) {
    return new Finding(check, subject, Status.OK, message, Optional.empty(), ImmutableMap.of());
  }

  public static Finding of(String check, String subject, Status status, String message,
      String fix) {
    return new Finding(check, subject, status, message,
        status == Status.OK ? Optional.empty() : Optional.of(fix), ImmutableMap.of());
  }

  public Finding withDetails(ImmutableMap<String, Object> d) {
    return new Finding(check, subject, status, message, fix, d);
  }

  /** {@code listen 443/ipv4}: how the human report names the line. */
  public String name() {
    return subject.isEmpty() ? check : check + " " + subject;
  }
}
