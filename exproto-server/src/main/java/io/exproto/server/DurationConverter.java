package io.exproto.server;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Reads a positive duration from the command line: a whole number with a unit, {@code 500ms},
 * {@code 5s}, {@code 2m}, {@code 1h}, {@code 1d}, or ISO-8601 such as {@code PT1M30S}.
 */
public final class DurationConverter implements ITypeConverter<Duration> {
  private static final Pattern NUMBER_AND_UNIT = Pattern.compile("(\\d{1,12})\\s*(ms|s|m|h|d)");

  /** Used by picocli. */
  public DurationConverter() {}

  @Override
  public Duration convert(String value) {
    Duration d = parse(value);
    if (d.isZero() || d.isNegative()) {
      throw new TypeConversionException("'" + value + "' must be longer than zero");
    }
    return d;
  }

  private static Duration parse(String value) {
    String s = value.trim().toLowerCase(Locale.ROOT);
    Matcher m = NUMBER_AND_UNIT.matcher(s);
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      return switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofDays(n);
      };
    }
    if (s.startsWith("pt") || s.startsWith("p")) {
      try {
        return Duration.parse(value.trim());
      } catch (DateTimeParseException e) {
        // fall through to the common message
      }
    }
    throw new TypeConversionException("'" + value + "' is not a duration; use a whole number"
        + " with a unit (ms, s, m, h, d), e.g. 500ms, 5s, 2m");
  }
}
