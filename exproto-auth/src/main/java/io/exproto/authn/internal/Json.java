package io.exproto.authn.internal;

import com.nimbusds.jose.util.JSONArrayUtils;
import com.nimbusds.jose.util.JSONObjectUtils;
import java.text.ParseException;
import java.util.List;
import java.util.Map;

/** JSON through nimbus-jose-jwt's bundled parser (no extra dependency). */
public final class Json {
  private Json() {}

  /** Parses a JSON object; throws {@link IllegalArgumentException} on anything else. */
  public static Map<String, Object> object(String text) {
    try {
      return JSONObjectUtils.parse(text);
    } catch (ParseException | RuntimeException e) {
      throw new IllegalArgumentException("not a JSON object: " + e.getMessage());
    }
  }

  /** Parses a JSON array; throws {@link IllegalArgumentException} on anything else. */
  public static List<Object> array(String text) {
    try {
      return JSONArrayUtils.parse(text);
    } catch (ParseException | RuntimeException e) {
      throw new IllegalArgumentException("not a JSON array: " + e.getMessage());
    }
  }

  /** Writes a JSON object. */
  public static String write(Map<String, ?> map) {
    return JSONObjectUtils.toJSONString(map);
  }
}
