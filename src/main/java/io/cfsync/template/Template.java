package io.cfsync.template;

import com.github.mustachejava.DefaultMustacheFactory;
import com.github.mustachejava.DefaultMustacheVisitor;
import com.github.mustachejava.Mustache;
import com.github.mustachejava.MustacheException;
import com.github.mustachejava.MustacheVisitor;
import com.github.mustachejava.TemplateContext;
import io.cfsync.error.UsageError;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A compiled Mustache template, built-in or the operator's ({@code --template FILE}).
 * Compiling is strict where Mustache is lenient: an unknown variable name (a typo would
 * otherwise render as nothing, silently dropping a rule) and partials (which would read other
 * files) are errors, each one line naming the file and the line.
 */
public final class Template {

  private static final Pattern WHERE = Pattern.compile("\\s*@\\[([^\\]]*):(\\d+)\\]\\s*$");

  private final String name;
  private final Mustache mustache;

  private Template(String name, Mustache mustache) {
    this.name = name;
    this.mustache = mustache;
  }

  /** The name used in messages: the file as given, or {@code built-in NAME}. */
  public String name() {
    return name;
  }

  /** The built-in template of {@code kind} (templates/ in the source tree, in the jar). */
  public static Template builtin(Kind kind) {
    String path = "/io/cfsync/templates/" + kind.resource();
    try (InputStream in = Template.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("built-in template " + path + " missing from the jar");
      }
      return compile("built-in " + kind.resource(), new String(in.readAllBytes(),
          StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The operator's template file. */
  public static Template file(Path file) {
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file))).toString();
    } catch (CharacterCodingException e) {
      throw new UsageError("template " + file + " is not UTF-8 text; save it as UTF-8");
    } catch (IOException e) {
      throw new UsageError("template " + file + " cannot be read (" + e + "); fix --template");
    }
    return compile(file.toString(), text);
  }

  /** Compiles {@code text}; {@code name} appears in error messages. */
  public static Template compile(String name, String text) {
    Factory f = new Factory();
    Mustache m;
    try {
      m = f.compile(new StringReader(text), name);
    } catch (MustacheException e) {
      throw error(name, e);
    }
    Refs root = f.refs.get(m);
    if (root != null) {
      root.check(name, Model.TOP, Set.of());
    }
    return new Template(name, m);
  }

  /** Renders with the given variables (see {@link Model}). */
  public String render(Map<String, Object> model) {
    StringWriter w = new StringWriter();
    try {
      mustache.execute(w, model).flush();
    } catch (MustacheException e) {
      throw error(name, e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return w.toString();
  }

  private static UsageError error(String name, MustacheException e) {
    Throwable root = e;
    while (root.getCause() instanceof MustacheException c) {
      root = c;
    }
    String msg = String.valueOf(root.getMessage()).replaceAll("\\s+", " ").trim();
    Matcher m = WHERE.matcher(msg);
    String line = "";
    if (m.find()) {
      line = ":" + m.group(2);
      msg = msg.substring(0, m.start()).trim();
    }
    msg = msg.replace(" in " + name + ":" + line.replace(":", ""), "");
    return new UsageError("template " + name + line + ": " + msg + "; fix the template");
  }

  static UsageError error(String name, int line, String msg) {
    return new UsageError("template " + name + ":" + line + ": " + msg + "; fix the template");
  }

  /** A variable used on a line. */
  private record Value(String name, int line) {}

  /** A section ({@code {{#name}}} or inverted {@code {{^name}}}) and what it holds. */
  private record Section(String name, int line, boolean inverted, Refs inner) {}

  /** The names one (sub)template refers to, with the line of each, and its sections. */
  private static final class Refs {
    final List<Value> values = new ArrayList<>();
    final List<Section> sections = new ArrayList<>();

    void check(String file, Set<String> top, Set<String> item) {
      for (Value v : values) {
        known(file, v.name(), v.line(), top, item);
      }
      for (Section s : sections) {
        known(file, s.name(), s.line(), top, item);
        if (s.inner() == null) {
          continue;
        }
        Set<String> innerItem = item;
        String n = s.name().trim();
        if (!s.inverted() && Model.LISTS.containsKey(n)) {
          innerItem = new HashSet<>(item);
          innerItem.addAll(Model.LISTS.get(n));
          innerItem.add(".");
        }
        s.inner().check(file, top, innerItem);
      }
    }

    private static void known(String file, String name, int line, Set<String> top,
        Set<String> item) {
      String n = name.trim();
      if (!top.contains(n) && !item.contains(n)) {
        throw error(file, line, "unknown variable \"" + n + "\" (docs/templates.md lists "
            + "them)");
      }
    }
  }

  /** Writes values as they are (no HTML escaping) and records every name used. */
  private static final class Factory extends DefaultMustacheFactory {
    final Map<Mustache, Refs> refs = new IdentityHashMap<>();

    @Override
    public void encode(String value, Writer writer) {
      try {
        writer.write(value);
      } catch (IOException e) {
        throw new MustacheException("write failed", e);
      }
    }

    @Override
    public MustacheVisitor createMustacheVisitor() {
      Refs mine = new Refs();
      Factory self = this;
      return new DefaultMustacheVisitor(this) {
        @Override
        public Mustache mustache(TemplateContext tc) {
          Mustache m = super.mustache(tc);
          self.refs.put(m, mine);
          return m;
        }

        @Override
        public void value(TemplateContext tc, String variable, boolean encoded) {
          mine.values.add(new Value(variable, tc.line()));
          super.value(tc, variable, encoded);
        }

        @Override
        public void iterable(TemplateContext tc, String variable, Mustache m) {
          mine.sections.add(new Section(variable, tc.line(), false, self.refs.get(m)));
          super.iterable(tc, variable, m);
        }

        @Override
        public void notIterable(TemplateContext tc, String variable, Mustache m) {
          mine.sections.add(new Section(variable, tc.line(), true, self.refs.get(m)));
          super.notIterable(tc, variable, m);
        }

        @Override
        public void partial(TemplateContext tc, String variable, String indent) {
          throw error(tc.file(), tc.line(), "partials ({{> " + variable.trim() + "}}) are not "
              + "supported; put everything in one file");
        }

        @Override
        public void dynamicPartial(TemplateContext tc, String variable, String indent) {
          partial(tc, variable, indent);
        }

        @Override
        public void extend(TemplateContext tc, String variable, Mustache m) {
          throw error(tc.file(), tc.line(), "template inheritance ({{< " + variable.trim()
              + "}}) is not supported");
        }

        @Override
        public void name(TemplateContext tc, String variable, Mustache m) {
          throw error(tc.file(), tc.line(), "blocks ({{$" + variable.trim() + "}}) are not "
              + "supported");
        }
      };
    }
  }
}
