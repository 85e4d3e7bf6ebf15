package io.exproto.authn.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * A string with EMQX placeholders ({@code ${clientid}}, {@code ${username}}, ...), parsed once and
 * rendered per request. Immutable and thread-safe.
 */
public final class Template {
  private final List<String> literals = new ArrayList<>();
  private final List<String> vars = new ArrayList<>();
  private final String source;

  private Template(String source) {
    this.source = source;
  }

  /**
   * Parses {@code text}; a placeholder not in {@code allowed} is an error naming
   * {@code setting}.
   */
  public static Template parse(String text, Set<String> allowed, String setting) {
    Template t = new Template(text);
    int i = 0;
    StringBuilder lit = new StringBuilder();
    while (i < text.length()) {
      int open = text.indexOf("${", i);
      if (open < 0) {
        lit.append(text, i, text.length());
        break;
      }
      int close = text.indexOf('}', open);
      if (close < 0) {
        throw new IllegalArgumentException(setting + ": unclosed placeholder in '" + text + "'");
      }
      String name = text.substring(open + 2, close).trim();
      if (!allowed.contains(name)) {
        throw new IllegalArgumentException(setting + ": unknown placeholder ${" + name
            + "}; supported: " + new TreeSet<>(allowed));
      }
      lit.append(text, i, open);
      t.literals.add(lit.toString());
      lit.setLength(0);
      t.vars.add(name);
      i = close + 1;
    }
    t.literals.add(lit.toString());
    return t;
  }

  /** True if the template uses {@code var}. */
  public boolean uses(String var) {
    return vars.contains(var);
  }

  /** The placeholders in order (repeated ones repeated). */
  public List<String> vars() {
    return vars;
  }

  /** The literal parts; one more than {@link #vars()}. */
  public List<String> literals() {
    return literals;
  }

  /** Renders with {@code values}; a missing value renders as empty. */
  public String render(Function<String, String> values) {
    return render(values, UnaryOperator.identity());
  }

  /** Renders, passing each value through {@code escape} (e.g. URL encoding). */
  public String render(Function<String, String> values, UnaryOperator<String> escape) {
    if (vars.isEmpty()) {
      return literals.get(0);
    }
    StringBuilder b = new StringBuilder(source.length() + 32);
    for (int i = 0; i < vars.size(); i++) {
      b.append(literals.get(i));
      String v = values.apply(vars.get(i));
      b.append(escape.apply(v == null ? "" : v));
    }
    b.append(literals.get(vars.size()));
    return b.toString();
  }

  @Override
  public String toString() {
    return source;
  }
}
