package io.cfsync.live;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

/** Skips {@link Live} tests without root or tools, and fails them instead under CI=true. */
public final class LiveCondition implements ExecutionCondition {

  private static final List<String> PATH_DIRS =
      List.of("/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/sbin", "/usr/local/bin");

  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext ctx) {
    List<String> tools = new ArrayList<>(List.of("ip"));
    collect(ctx.getElement().flatMap(e -> AnnotationSupport.findAnnotation(e, Live.class)),
        tools);
    ctx.getTestClass().ifPresent(c -> collect(AnnotationSupport.findAnnotation(c, Live.class),
        tools));
    List<String> missing = new ArrayList<>();
    if (!isRoot()) {
      missing.add("root");
    }
    for (String t : tools) {
      if (which(t).isEmpty()) {
        missing.add(t);
      }
    }
    if (missing.isEmpty()) {
      return ConditionEvaluationResult.enabled("root and " + tools + " present");
    }
    String why = "live test needs " + String.join(", ", missing);
    if ("true".equals(System.getenv("CI"))) {
      throw new IllegalStateException(why + ", but CI=true forbids skipping live tests: install "
          + "them (see .ci/run)");
    }
    return ConditionEvaluationResult.disabled(why);
  }

  private static void collect(Optional<Live> live, List<String> into) {
    live.ifPresent(l -> {
      for (String t : l.tools()) {
        if (!into.contains(t)) {
          into.add(t);
        }
      }
    });
  }

  static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  static Optional<Path> which(String tool) {
    for (String d : PATH_DIRS) {
      Path p = Path.of(d, tool);
      if (Files.isExecutable(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }
}
