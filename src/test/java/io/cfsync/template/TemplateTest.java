package io.cfsync.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.collect.ImmutableSet;
import io.cfsync.error.UsageError;
import io.cfsync.model.Family;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Compiling templates: strict names, one-line errors with file and line, no HTML escaping. */
class TemplateTest {

  @Test
  void unclosedSectionNamesFileAndLine() {
    assertThatThrownBy(() -> Template.compile("t.mustache", "a\nb\n{{#ipv4}}\n{{cidr}}\n"))
        .isInstanceOf(UsageError.class)
        .hasMessage("template t.mustache:3: Failed to close 'ipv4' tag; fix the template");
  }

  @Test
  void mismatchedCloseNamesFileAndLine() {
    assertThatThrownBy(() -> Template.compile("t.mustache", "{{#ipv4}}\n{{/ipv6}}\n"))
        .isInstanceOf(UsageError.class)
        .hasMessageStartingWith("template t.mustache:2: Mismatched start/end tags: ipv4 != ipv6")
        .hasMessageNotContaining("\n");
  }

  @Test
  void unknownVariableInsideAFalseSectionIsStillFound() {
    assertThatThrownBy(() -> Template.compile("t", "{{#dockerUser}}\n\n{{chian}}\n"
        + "{{/dockerUser}}\n")).hasMessage("template t:3: unknown variable \"chian\" "
        + "(docs/templates.md lists them); fix the template");
  }

  @Test
  void itemFieldsExistOnlyInsideTheirList() {
    assertThatThrownBy(() -> Template.compile("t", "{{cidr}}\n"))
        .hasMessageContaining("t:1: unknown variable \"cidr\"");
    Template.compile("t", "{{#ipv4}}{{cidr}}{{#last}}.{{/last}}{{/ipv4}}"
        + "{{#ports}}{{iptables}}{{/ports}}{{^ipv4}}{{table}}{{/ipv4}}");
  }

  @Test
  void partialsAreRefusedSoATemplateReadsNoOtherFile() {
    assertThatThrownBy(() -> Template.compile("t", "x\n{{> /etc/shadow}}\n"))
        .hasMessageStartingWith("template t:2: partials");
  }

  @Test
  void valuesAreNotHtmlEscaped() {
    Template t = Template.compile("t", "{{#ipv6}}{{cidr}} {{/ipv6}}{{nftVerdict}}");
    String out = t.render(Model.of(Kind.NFTABLES, InPlaceTest.settings(ImmutableSet.of(
        Family.V6)), "1"));
    assertThat(out).startsWith("2400:cb00::/32 ").endsWith("drop");
  }

  @Test
  void everyBuiltInTemplateCompiles() {
    for (Kind k : Kind.values()) {
      assertThat(Template.builtin(k).name()).isEqualTo("built-in " + k.resource());
    }
  }

  @Test
  void docsListEveryVariableAndNoOther() throws IOException {
    String all = Files.readString(Path.of("docs", "templates.md"), StandardCharsets.UTF_8);
    String doc = all.substring(all.indexOf("Top-level variables:"), all.indexOf("## Why Mustache"));
    Matcher m = Pattern.compile("(?m)^\\| `([A-Za-z0-9]+)` \\|").matcher(doc);
    Set<String> documented = new LinkedHashSet<>();
    while (m.find()) {
      documented.add(m.group(1));
    }
    Set<String> known = new LinkedHashSet<>(Model.TOP);
    known.addAll(Model.ITEM);
    known.addAll(Model.PORT_ITEM);
    assertThat(documented).containsExactlyInAnyOrderElementsOf(known);
  }
}
