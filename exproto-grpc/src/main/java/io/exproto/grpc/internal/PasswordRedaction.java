package io.exproto.grpc.internal;

import com.google.protobuf.ByteString;
import com.google.protobuf.TextFormat;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Keeps an Authenticate password out of logs and answers. AdapterService never logs a request,
 * but a failure it reports comes from code it does not control: an authenticator could put the
 * password into an exception message, or an exception could carry the request's
 * {@code toString()}, which prints every field. Such text has the password replaced with
 * {@value #MASK}, both as written and as protobuf's text format escapes it.
 *
 * <p>Stateless; thread-safe.
 */
final class PasswordRedaction {
  static final String MASK = "******";

  private PasswordRedaction() {}

  /** {@code text} with every occurrence of {@code password} masked; null stays null. */
  static String text(String text, String password) {
    if (text == null || password == null || password.isEmpty()) {
      return text;
    }
    String masked = text.replace(password, MASK);
    String escaped = TextFormat.escapeBytes(ByteString.copyFromUtf8(password));
    return escaped.equals(password) ? masked : masked.replace(escaped, MASK);
  }

  /**
   * {@code failure} itself if no message or {@code toString()} in it, its causes or suppressed
   * exceptions shows {@code password}; else a stand-in with the same stack traces and the
   * password masked everywhere.
   */
  static Throwable throwable(Throwable failure, String password) {
    if (password == null || password.isEmpty()
        || !shows(failure, password, new IdentityHashMap<>())) {
      return failure;
    }
    return copy(failure, password, new IdentityHashMap<>());
  }

  private static boolean shows(Throwable t, String password, Map<Throwable, Boolean> seen) {
    if (t == null || seen.put(t, Boolean.TRUE) != null) {
      return false;
    }
    if (!text(String.valueOf(t.getMessage()), password).equals(String.valueOf(t.getMessage()))
        || !text(t.toString(), password).equals(t.toString())
        || shows(t.getCause(), password, seen)) {
      return true;
    }
    for (Throwable suppressed : t.getSuppressed()) {
      if (shows(suppressed, password, seen)) {
        return true;
      }
    }
    return false;
  }

  private static Throwable copy(Throwable t, String password, Map<Throwable, Throwable> copies) {
    Throwable done = copies.get(t);
    if (done != null) {
      return done;
    }
    Redacted copy = new Redacted(text(t.toString(), password), text(t.getMessage(), password));
    copies.put(t, copy);
    copy.setStackTrace(t.getStackTrace());
    if (t.getCause() != null) {
      copy.initCause(copy(t.getCause(), password, copies));
    }
    for (Throwable s : t.getSuppressed()) {
      copy.addSuppressed(copy(s, password, copies));
    }
    return copy;
  }

  /** Stands in for an exception whose text showed the password; prints as the original did. */
  static final class Redacted extends Exception {
    private static final long serialVersionUID = 1L;
    private final String description;

    Redacted(String description, String message) {
      super(message);
      this.description = description;
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this; // replaced by the original's stack trace
    }

    @Override
    public String toString() {
      return description;
    }
  }
}
