package io.exproto.handler;

import java.util.Objects;

/**
 * What an adapter operation answers: a code, and for every code but {@link ResultCode#SUCCESS}
 * a plain-English message saying what went wrong.
 *
 * @param code the result code, never null
 * @param message the reason; empty for success, never null
 */
public record AdapterResult(ResultCode code, String message) {

  /** The shared success result. */
  public static final AdapterResult SUCCESS = new AdapterResult(ResultCode.SUCCESS, "");

  /** Validates the arguments. */
  public AdapterResult {
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(message, "message");
  }

  /** A failure with the given code and message. */
  public static AdapterResult of(ResultCode code, String message) {
    return new AdapterResult(code, message);
  }

  /** True for {@link ResultCode#SUCCESS}. */
  public boolean isSuccess() {
    return code == ResultCode.SUCCESS;
  }
}
