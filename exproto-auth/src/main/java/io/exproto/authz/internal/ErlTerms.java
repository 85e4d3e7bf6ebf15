package io.exproto.authz.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * A reader of the Erlang terms of EMQX's {@code acl.conf}: tuples, lists, atoms (bare or quoted),
 * strings, binaries ({@code <<"...">>}), integers, {@code %} comments; each top-level term ends
 * with a dot. Errors name the line.
 */
public final class ErlTerms {
  /** An atom. */
  public record Atom(String name) {
    @Override
    public String toString() {
      return name;
    }
  }

  /** A tuple. */
  public record Tuple(List<Object> elements, int line) {
    public int size() {
      return elements.size();
    }

    public Object get(int i) {
      return elements.get(i);
    }
  }

  private final String s;
  private int pos;
  private int line = 1;
  private final String source;

  private ErlTerms(String s, String source) {
    this.s = s;
    this.source = source;
  }

  /** The top-level terms of {@code text}; {@code source} names it in errors. */
  public static List<Object> parse(String text, String source) {
    ErlTerms p = new ErlTerms(text, source);
    List<Object> out = new ArrayList<>();
    while (true) {
      p.skip();
      if (p.pos >= p.s.length()) {
        return out;
      }
      out.add(p.term());
      p.skip();
      p.expect('.');
    }
  }

  private IllegalArgumentException error(String what) {
    return new IllegalArgumentException(source + " line " + line + ": " + what);
  }

  private void skip() {
    while (pos < s.length()) {
      char c = s.charAt(pos);
      if (c == '%') {
        while (pos < s.length() && s.charAt(pos) != '\n') {
          pos++;
        }
      } else if (Character.isWhitespace(c)) {
        if (c == '\n') {
          line++;
        }
        pos++;
      } else {
        return;
      }
    }
  }

  private void expect(char c) {
    skip();
    if (pos >= s.length() || s.charAt(pos) != c) {
      throw error("expected '" + c + "' but found "
          + (pos >= s.length() ? "the end" : "'" + s.charAt(pos) + "'"));
    }
    pos++;
  }

  private Object term() {
    skip();
    if (pos >= s.length()) {
      throw error("unexpected end");
    }
    char c = s.charAt(pos);
    if (c == '{') {
      int l = line;
      pos++;
      return new Tuple(sequence('}'), l);
    }
    if (c == '[') {
      pos++;
      return sequence(']');
    }
    if (c == '"') {
      return string();
    }
    if (c == '<' && s.startsWith("<<", pos)) {
      pos += 2;
      skip();
      String str = pos < s.length() && s.charAt(pos) == '"' ? string() : "";
      skip();
      if (!s.startsWith(">>", pos)) {
        throw error("expected '>>'");
      }
      pos += 2;
      return str;
    }
    if (c == '\'') {
      int end = s.indexOf('\'', pos + 1);
      if (end < 0) {
        throw error("unclosed quoted atom");
      }
      String name = s.substring(pos + 1, end);
      pos = end + 1;
      return new Atom(name);
    }
    if (Character.isDigit(c) || c == '-') {
      int start = pos++;
      while (pos < s.length() && Character.isDigit(s.charAt(pos))) {
        pos++;
      }
      return Long.parseLong(s.substring(start, pos));
    }
    if (Character.isLowerCase(c)) {
      int start = pos;
      while (pos < s.length() && (Character.isLetterOrDigit(s.charAt(pos))
          || s.charAt(pos) == '_' || s.charAt(pos) == '@')) {
        pos++;
      }
      return new Atom(s.substring(start, pos));
    }
    throw error("unexpected '" + c + "'");
  }

  private List<Object> sequence(char close) {
    List<Object> out = new ArrayList<>();
    skip();
    if (pos < s.length() && s.charAt(pos) == close) {
      pos++;
      return out;
    }
    while (true) {
      out.add(term());
      skip();
      if (pos >= s.length()) {
        throw error("unclosed '" + (close == '}' ? '{' : '[') + "'");
      }
      char c = s.charAt(pos++);
      if (c == close) {
        return out;
      }
      if (c != ',') {
        throw error("expected ',' or '" + close + "' but found '" + c + "'");
      }
    }
  }

  private String string() {
    pos++; // opening quote
    StringBuilder b = new StringBuilder();
    while (true) {
      if (pos >= s.length()) {
        throw error("unclosed string");
      }
      char c = s.charAt(pos++);
      if (c == '"') {
        return b.toString();
      }
      if (c == '\n') {
        line++;
      }
      if (c == '\\' && pos < s.length()) {
        char e = s.charAt(pos++);
        b.append(switch (e) {
          case 'n' -> '\n';
          case 't' -> '\t';
          case 'r' -> '\r';
          default -> e;
        });
      } else {
        b.append(c);
      }
    }
  }
}
