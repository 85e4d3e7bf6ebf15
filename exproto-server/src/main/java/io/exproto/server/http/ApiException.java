package io.exproto.server.http;

/**
 * An error answered in EMQX's shape, {@code {"code": "...", "message": "..."}}, with an HTTP
 * status.
 */
public final class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int status;
  private final String code;

  /** An error with an explicit EMQX code. */
  public ApiException(int status, String code, String message) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
  }

  /** 400 {@code BAD_REQUEST}. */
  public static ApiException badRequest(String message) {
    return new ApiException(400, "BAD_REQUEST", message);
  }

  /** 404 {@code RESOURCE_NOT_FOUND}, EMQX's code for unknown clients, listeners, users. */
  public static ApiException notFound(String message) {
    return new ApiException(404, "RESOURCE_NOT_FOUND", message);
  }

  /** The HTTP status. */
  public int status() {
    return status;
  }

  /** The EMQX error code, e.g. {@code RESOURCE_NOT_FOUND}. */
  public String code() {
    return code;
  }
}
