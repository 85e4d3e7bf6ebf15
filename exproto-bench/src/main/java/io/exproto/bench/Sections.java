package io.exproto.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * BENCHMARKS.md is written by several commands, each owning its {@code ## } sections: {@code all}
 * the main ones, {@code soak}, {@code auth} and {@code ops} one each. A command replaces only
 * its own sections and keeps the others.
 */
final class Sections {
  private final StringBuilder text = new StringBuilder();

  /** Prints a line of a command's result and keeps it for its section. */
  void line(String format, Object... args) {
    String s = String.format(Locale.ROOT, format, args);
    System.out.println(s);
    text.append(s).append('\n');
  }

  /** The lines so far as a section: {@code heading}, {@code intro}, then the lines verbatim. */
  String section(String heading, String intro) {
    return heading + "\n\n" + intro + "\n\n```\n" + text + "```\n";
  }

  /** Replaces the section headed {@code heading} (e.g. "## Soak") with {@code section}, or appends it. */
  static void write(Path file, String heading, String section) throws IOException {
    String text = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    int at = text.indexOf("\n" + heading + "\n");
    String updated;
    if (at < 0) {
      updated = text + (text.endsWith("\n") || text.isEmpty() ? "" : "\n") + "\n" + section;
    } else {
      int next = text.indexOf("\n## ", at + 1);
      updated = text.substring(0, at + 1) + section
          + (next < 0 ? "" : "\n" + text.substring(next + 1));
    }
    Files.writeString(file, updated, StandardCharsets.UTF_8);
  }

  /**
   * The {@code ## } sections of {@code file} whose headings {@code md} does not have, in order,
   * to append when {@code md} replaces the file.
   */
  static String othersNotIn(Path file, String md) throws IOException {
    if (!Files.exists(file)) {
      return "";
    }
    String text = Files.readString(file, StandardCharsets.UTF_8);
    StringBuilder kept = new StringBuilder();
    int at = text.startsWith("## ") ? 0 : text.indexOf("\n## ");
    while (at >= 0) {
      int start = text.charAt(at) == '\n' ? at + 1 : at;
      int next = text.indexOf("\n## ", start);
      String section = next < 0 ? text.substring(start) : text.substring(start, next + 1);
      String heading = section.substring(0, section.indexOf('\n') < 0 ? section.length()
          : section.indexOf('\n'));
      if (!md.contains("\n" + heading + "\n") && !md.startsWith(heading + "\n")) {
        kept.append('\n').append(section.endsWith("\n") ? section : section + "\n");
      }
      at = next;
    }
    return kept.toString();
  }
}
