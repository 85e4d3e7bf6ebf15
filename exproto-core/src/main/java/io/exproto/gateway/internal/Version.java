package io.exproto.gateway.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** Reads the library version the build wrote into {@code exproto-version.properties}, once. */
public final class Version {
  /** The version, or {@code "unknown"} when the resource is missing. */
  public static final String VERSION = read();

  private Version() {}

  private static String read() {
    try (InputStream in =
        Version.class.getResourceAsStream("/io/exproto/gateway/exproto-version.properties")) {
      if (in == null) {
        return "unknown";
      }
      Properties properties = new Properties();
      properties.load(in);
      String version = properties.getProperty("version", "").trim();
      return version.isEmpty() || version.startsWith("${") ? "unknown" : version;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
