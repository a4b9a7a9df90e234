package io.cfsync.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.IGetter;
import picocli.CommandLine.Model.IScope;
import picocli.CommandLine.Model.ISetter;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The timer's commands ({@link Main#HOT}) built without reading a single annotation. picocli
 * builds a command by reflection: every {@code @Option}, {@code @Mixin} and {@code @Command}
 * becomes a dynamic proxy (a class generated at run time, which no CDS archive of JDK 17 can
 * hold), and the member scan reads the annotations of every field and method. That was about
 * a third of a no-op timer run's start-up.
 *
 * <p>So the build reads the annotations once, through picocli itself ({@link #write}, run by
 * Maven after compiling, before the tests), and stores what parsing needs as text in the
 * jar: per option its names, type, arity, split, default, converters and the field it sets.
 * At run time {@link #tree} builds the same model with picocli's programmatic API and binds
 * the options to the same fields. Descriptions are not kept: a help or version request, or
 * a missing or unreadable resource, takes picocli's reflective path, as does every other
 * command. FastSpecsTest holds the two models to each other, option by option.
 */
public final class FastSpecs {

  static final String RESOURCE = "fast-specs.txt";
  private static final char SEP = '\t';
  private static final char LIST = '\u001f';

  private FastSpecs() {}

  // ---- build time ---------------------------------------------------------------------

  /** Writes the resource for every hot command into {@code dir} (the classes directory). */
  public static void main(String[] args) throws IOException {
    Path out = Path.of(args[0], "io", "cfsync", "cli", RESOURCE);
    Files.createDirectories(out.getParent());
    try (Writer w = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
      write(w);
    }
  }

  static void write(Appendable out) throws IOException {
    for (Map.Entry<String, Class<?>> e : new java.util.TreeMap<>(Main.HOT).entrySet()) {
      CommandSpec spec = Main.reflectiveTree(e.getKey(), e.getValue()).getSubcommands()
          .get(e.getKey()).getCommandSpec();
      if (!spec.positionalParameters().isEmpty() || !spec.argGroups().isEmpty()
          || !spec.subcommands().isEmpty() || !spec.unmatchedArgsBindings().isEmpty()) {
        throw new IllegalStateException(e.getKey() + ": FastSpecs handles options, mixins and "
            + "@Spec only; teach it the rest or drop the command from Main.HOT");
      }
      line(out, "command", e.getKey(), e.getValue().getName());
      // Options are told apart by the class they are declared in: the command's or a mixin's.
      Map<Class<?>, String> holders = new java.util.HashMap<>();
      holders.put(e.getValue(), "");
      for (Field f : fields(e.getValue())) {
        if (f.isAnnotationPresent(CommandLine.Spec.class)) {
          if (f.getAnnotation(CommandLine.Spec.class).value() != CommandLine.Spec.Target.SELF) {
            throw new IllegalStateException("unsupported @Spec target on " + f);
          }
          line(out, "spec", f.getName());
        }
      }
      for (Map.Entry<String, CommandSpec> m : spec.mixins().entrySet()) {
        if (m.getKey().equals("mixinStandardHelpOptions")) {
          continue;
        }
        Field mf = fieldNamed(e.getValue(), m.getKey());
        if (mf == null || !mf.isAnnotationPresent(CommandLine.Mixin.class)) {
          throw new IllegalStateException("mixin " + m.getKey() + " is not a field");
        }
        Class<?> mixin = mf.getType();
        for (Field f : fields(mixin)) {
          if (f.isAnnotationPresent(CommandLine.Spec.class)
              || f.isAnnotationPresent(CommandLine.Mixin.class)) {
            throw new IllegalStateException("unsupported member in mixin: " + f);
          }
        }
        if (holders.put(mixin, m.getKey()) != null) {
          throw new IllegalStateException("two mixins of " + mixin);
        }
        line(out, "mixin", m.getKey(), mixin.getName());
      }
      for (OptionSpec o : spec.options()) {
        if (o.usageHelp() || o.versionHelp()) {
          continue;
        }
        Object owner;
        try {
          owner = o.scope().get();
        } catch (Exception ex) {
          throw new IllegalStateException(ex);
        }
        String holder = holders.get(owner.getClass());
        // picocli's user object of a field option is the Field itself
        Field field = o.userObject() instanceof Field f ? f : null;
        if (holder == null || field == null) {
          throw new IllegalStateException("option " + o.longestName() + " is not a field of "
              + "the command or one of its mixins (" + owner + ", " + o.userObject() + ")");
        }
        if (o.parameterConsumer() != null || o.interactive()
            || !o.preprocessor().getClass().getSimpleName().equals("NoOpParameterPreprocessor")) {
          // Not carried by the text model: fail the build rather than parse differently.
          throw new IllegalStateException("option " + o.longestName() + " uses a parameter "
              + "consumer, preprocessor or prompt; teach FastSpecs "
              + "to carry it or drop the command from Main.HOT");
        }
        List<String> converters = new ArrayList<>();
        for (ITypeConverter<?> c : o.converters()) {
          converters.add(c.getClass().getName());
        }
        List<String> aux = new ArrayList<>();
        for (Class<?> c : o.auxiliaryTypes()) {
          aux.add(c.getName());
        }
        line(out, "option", holder, field.getName(), join(List.of(o.names())), o.type().getName(),
            join(aux), o.arity().isUnspecified() ? "" : o.arity().originalValue(),
            o.paramLabel(), o.splitRegex(), nullable(o.defaultValue()),
            Boolean.toString(o.required()), Boolean.toString(o.negatable()),
            nullable(o.fallbackValue()), join(converters), Boolean.toString(o.hidden()),
            Integer.toString(o.order()));
      }
    }
  }

  private static List<Field> fields(Class<?> c) {
    List<Field> out = new ArrayList<>();
    for (Class<?> k = c; k != null && k != Object.class; k = k.getSuperclass()) {
      out.addAll(List.of(k.getDeclaredFields()));
    }
    return out;
  }

  private static Field fieldNamed(Class<?> c, String name) {
    for (Field f : fields(c)) {
      if (f.getName().equals(name)) {
        return f;
      }
    }
    return null;
  }

  private static String nullable(String s) {
    return s == null ? "\u0000" : s;
  }

  private static String join(List<String> parts) {
    return String.join(String.valueOf(LIST), parts);
  }

  private static void line(Appendable out, String... cells) throws IOException {
    for (int i = 0; i < cells.length; i++) {
      if (i > 0) {
        out.append(SEP);
      }
      out.append(escape(cells[i]));
    }
    out.append('\n');
  }

  private static String escape(String s) {
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n");
  }

  private static String unescape(String s) {
    if (s.indexOf('\\') < 0) {
      return s;
    }
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 1 < s.length()) {
        char n = s.charAt(++i);
        sb.append(n == 't' ? '\t' : n == 'n' ? '\n' : n);
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }

  // ---- run time -----------------------------------------------------------------------

  /**
   * The tree {@code cfsync NAME} under a bare root, built from the resource; empty when the
   * arguments ask for help or the version, or the resource lacks the command.
   */
  static Optional<CommandLine> tree(String rootName, String name, String... args) {
    for (String a : args) {
      if (a.equals("--")) {
        break;
      }
      if (a.equals("--help") || a.equals("--version") || a.startsWith("--help=")
          || a.startsWith("--version=") || (a.startsWith("-") && !a.startsWith("--")
          && (a.indexOf('h') > 0 || a.indexOf('V') > 0))) {
        return Optional.empty();
      }
    }
    List<String[]> lines = lines(name);
    if (lines.isEmpty()) {
      return Optional.empty();
    }
    try {
      CommandSpec sub = build(lines);
      CommandSpec root = CommandSpec.wrapWithoutInspection(new Main());
      root.name(rootName);
      CommandLine cl = new CommandLine(root);
      cl.addSubcommand(name, new CommandLine(sub));
      return Optional.of(cl);
    } catch (ReflectiveOperationException | RuntimeException e) {
      // A resource that no longer fits the classes (a stale build): the reflective way.
      return Optional.empty();
    }
  }

  /** The resource lines of one command, from its {@code command} line to the next. */
  static List<String[]> lines(String name) {
    List<String[]> out = new ArrayList<>();
    try (InputStream in = FastSpecs.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        return out;
      }
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      boolean mine = false;
      int i = 0;
      while (i < text.length()) {
        int eol = text.indexOf('\n', i);
        String line = text.substring(i, eol < 0 ? text.length() : eol);
        i = eol < 0 ? text.length() : eol + 1;
        String[] cells = split(line);
        if (cells[0].equals("command")) {
          mine = cells[1].equals(name);
        }
        if (mine) {
          out.add(cells);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  private static String[] split(String line) {
    List<String> cells = new ArrayList<>();
    int from = 0;
    for (int k = 0; k <= line.length(); k++) {
      if (k == line.length() || line.charAt(k) == SEP) {
        cells.add(unescape(line.substring(from, k)));
        from = k + 1;
      }
    }
    return cells.toArray(new String[0]);
  }

  private static CommandSpec build(List<String[]> lines) throws ReflectiveOperationException {
    String[] head = lines.get(0);
    Class<?> type = Class.forName(head[2]);
    Object command = construct(type);
    CommandSpec spec = CommandSpec.wrapWithoutInspection(command);
    spec.name(head[1]);
    Map<String, Object> holders = new LinkedHashMap<>();
    Map<String, CommandSpec> mixins = new LinkedHashMap<>();
    holders.put("", command);
    for (String[] l : lines) {
      switch (l[0]) {
        case "spec" -> set(command, l[1], spec);
        case "mixin" -> {
          Object m = construct(Class.forName(l[2]));
          set(command, l[1], m);
          holders.put(l[1], m);
          mixins.put(l[1], CommandSpec.wrapWithoutInspection(m));
        }
        case "option" -> {
          Object owner = holders.get(l[1]);
          OptionSpec o = option(owner, field(owner.getClass(), l[2]), l);
          if (l[1].isEmpty()) {
            spec.addOption(o);
          } else {
            mixins.get(l[1]).addOption(o);
          }
        }
        default -> { }
      }
    }
    for (Map.Entry<String, CommandSpec> m : mixins.entrySet()) {
      spec.addMixin(m.getKey(), m.getValue());
    }
    return spec;
  }

  private static OptionSpec option(Object owner, Field f, String[] l)
      throws ReflectiveOperationException {
    OptionSpec.Builder b = OptionSpec.builder(list(l[3]).toArray(new String[0]));
    b.type(type(l[4]));
    List<String> aux = list(l[5]);
    Class<?>[] auxTypes = new Class<?>[aux.size()];
    for (int i = 0; i < auxTypes.length; i++) {
      auxTypes[i] = type(aux.get(i));
    }
    b.auxiliaryTypes(auxTypes);
    if (!l[6].isEmpty()) {
      b.arity(l[6]);
    }
    b.paramLabel(l[7]);
    b.splitRegex(l[8]);
    b.defaultValue(orNull(l[9]));
    b.required(Boolean.parseBoolean(l[10]));
    b.negatable(Boolean.parseBoolean(l[11]));
    b.fallbackValue(orNull(l[12]));
    List<String> conv = list(l[13]);
    ITypeConverter<?>[] converters = new ITypeConverter<?>[conv.size()];
    for (int i = 0; i < converters.length; i++) {
      converters[i] = (ITypeConverter<?>) construct(Class.forName(conv.get(i)));
    }
    b.converters(converters);
    b.hidden(Boolean.parseBoolean(l[14]));
    b.order(Integer.parseInt(l[15]));
    FieldAccess access = new FieldAccess(owner, f);
    b.getter(access).setter(access).scope(new Owner(owner));
    b.initialValue(f.get(owner)).hasInitialValue(true);
    return b.build();
  }

  private static String orNull(String s) {
    return s.equals("\u0000") ? null : s;
  }

  private static List<String> list(String s) {
    List<String> out = new ArrayList<>();
    if (s.isEmpty()) {
      return out;
    }
    int from = 0;
    for (int k = 0; k <= s.length(); k++) {
      if (k == s.length() || s.charAt(k) == LIST) {
        out.add(s.substring(from, k));
        from = k + 1;
      }
    }
    return out;
  }

  private static Class<?> type(String name) throws ClassNotFoundException {
    return switch (name) {
      case "boolean" -> boolean.class;
      case "int" -> int.class;
      case "long" -> long.class;
      case "double" -> double.class;
      case "float" -> float.class;
      case "short" -> short.class;
      case "byte" -> byte.class;
      case "char" -> char.class;
      default -> Class.forName(name);
    };
  }

  private static Object construct(Class<?> c) throws ReflectiveOperationException {
    var ctor = c.getDeclaredConstructor();
    ctor.setAccessible(true);
    return ctor.newInstance();
  }

  private static Field field(Class<?> c, String name) throws NoSuchFieldException {
    for (Class<?> k = c; k != null; k = k.getSuperclass()) {
      try {
        Field f = k.getDeclaredField(name);
        f.setAccessible(true);
        return f;
      } catch (NoSuchFieldException e) {
        // declared higher up
      }
    }
    throw new NoSuchFieldException(c.getName() + "." + name);
  }

  private static void set(Object target, String name, Object value)
      throws ReflectiveOperationException {
    field(target.getClass(), name).set(target, value);
  }

  /** An option's field on its command or mixin instance (what picocli's FieldBinding does). */
  private static final class FieldAccess implements IGetter, ISetter {
    private final Object owner;
    private final Field field;

    FieldAccess(Object owner, Field field) {
      this.owner = owner;
      this.field = field;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T get() {
      try {
        return (T) field.get(owner);
      } catch (IllegalAccessException e) {
        throw new CommandLine.PicocliException("cannot read " + field, e);
      }
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T set(T value) {
      try {
        T old = (T) field.get(owner);
        field.set(owner, value);
        return old;
      } catch (IllegalAccessException e) {
        throw new CommandLine.PicocliException("cannot set " + field, e);
      }
    }
  }

  /** The instance an option's field lives on (picocli's ObjectScope). */
  private static final class Owner implements IScope {
    private final Object owner;

    Owner(Object owner) {
      this.owner = owner;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T get() {
      return (T) owner;
    }

    @Override
    public <T> T set(T value) {
      throw new UnsupportedOperationException("an option's owner is fixed");
    }
  }
}
