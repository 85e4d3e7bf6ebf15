package io.exproto.broker.mqtt.internal;

import com.hivemq.client.mqtt.exceptions.ConnectionFailedException;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3ConnAckException;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3SubAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubRecException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5SubAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5UnsubAckException;
import com.hivemq.client.mqtt.mqtt5.message.Mqtt5ReasonCode;
import io.exproto.broker.BrokerRefusedException;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import javax.net.ssl.SSLException;

/**
 * Turns the HiveMQ client's failures into the two the gateway tells apart: the broker said no
 * ({@link BrokerRefusedException}, answered PERMISSION_DENY with the broker's reason) and the broker
 * could not be asked ({@link BrokerUnavailableException}, answered UNKNOWN). Messages name the
 * broker URL and the reason code, so that a handler author can act on them.
 */
final class Refusals {
  private Refusals() {}

  static RuntimeException connectFailure(BridgeConfig cfg, Throwable e) {
    Throwable t = unwrap(e);
    if (t instanceof Mqtt5ConnAckException ex) {
      return refused("the MQTT broker refused the connection", ex.getMqttMessage().getReasonCode(),
          ex.getMqttMessage().getReasonString().map(Object::toString));
    }
    if (t instanceof Mqtt3ConnAckException ex) {
      var code = ex.getMqttMessage().getReturnCode();
      return new BrokerRefusedException("the MQTT broker refused the connection: " + code
          + " (0x" + Integer.toHexString(code.getCode()) + ")");
    }
    if (t instanceof BrokerRefusedException || t instanceof BrokerUnavailableException) {
      return (RuntimeException) t;
    }
    return new BrokerUnavailableException("cannot connect to the MQTT broker at " + cfg.url()
        + ": " + cause(t), t);
  }

  static RuntimeException operationFailure(BridgeConfig cfg, String what, Throwable e) {
    Throwable t = unwrap(e);
    if (t instanceof Mqtt5PubAckException ex) {
      return refused("the MQTT broker refused the " + what, ex.getMqttMessage().getReasonCode(),
          ex.getMqttMessage().getReasonString().map(Object::toString));
    }
    if (t instanceof Mqtt5PubRecException ex) {
      return refused("the MQTT broker refused the " + what, ex.getMqttMessage().getReasonCode(),
          ex.getMqttMessage().getReasonString().map(Object::toString));
    }
    if (t instanceof Mqtt5SubAckException ex) {
      var codes = ex.getMqttMessage().getReasonCodes();
      return refused("the MQTT broker refused the " + what, codes.isEmpty() ? null : codes.get(0),
          ex.getMqttMessage().getReasonString().map(Object::toString));
    }
    if (t instanceof Mqtt5UnsubAckException ex) {
      var codes = ex.getMqttMessage().getReasonCodes();
      return refused("the MQTT broker refused the " + what, codes.isEmpty() ? null : codes.get(0),
          ex.getMqttMessage().getReasonString().map(Object::toString));
    }
    if (t instanceof Mqtt3SubAckException) {
      return new BrokerRefusedException("the MQTT broker refused the " + what
          + ": SUBACK return code FAILURE (0x80)");
    }
    if (t instanceof BrokerRefusedException || t instanceof BrokerUnavailableException) {
      return (RuntimeException) t;
    }
    return new BrokerUnavailableException("the MQTT broker at " + cfg.url() + " could not take the "
        + what + ": " + cause(t), t);
  }

  /**
   * Why operations still waiting fail when the broker ends the session with a refusal (DISCONNECT
   * NOT_AUTHORIZED or ADMINISTRATIVE_ACTION): the broker's reason code and string.
   */
  static BrokerRefusedException sessionEnded(Throwable cause) {
    if (cause instanceof Mqtt5DisconnectException d) {
      return refused("the MQTT broker ended the session", d.getMqttMessage().getReasonCode(),
          d.getMqttMessage().getReasonString().map(Object::toString));
    }
    return new BrokerRefusedException("the MQTT broker ended the session");
  }

  static BrokerRefusedException refused(String what, Mqtt5ReasonCode code,
      Optional<String> reasonString) {
    StringBuilder b = new StringBuilder(what);
    if (code != null) {
      b.append(": ").append(code).append(" (0x").append(Integer.toHexString(code.getCode()))
          .append(')');
    }
    reasonString.ifPresent(r -> b.append(", ").append(r));
    return new BrokerRefusedException(b.toString());
  }

  private static String cause(Throwable t) {
    Throwable c = t;
    // The interesting part of a connect failure is usually at the bottom: refused, TLS, timeout.
    while (c.getCause() != null && c.getCause() != c
        && (c instanceof ConnectionFailedException || c instanceof CompletionException
            || c.getMessage() == null)) {
      c = c.getCause();
    }
    if (c instanceof SSLException || hasCause(c, SSLException.class)) {
      Throwable ssl = c instanceof SSLException ? c : find(c, SSLException.class);
      return "TLS handshake failed (" + ssl.getMessage() + "); check the broker's certificate"
          + " against the trusted certificates and the server name";
    }
    String m = c.getMessage();
    return m == null ? c.getClass().getSimpleName() : m;
  }

  private static boolean hasCause(Throwable t, Class<?> type) {
    return find(t, type) != null;
  }

  private static Throwable find(Throwable t, Class<?> type) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (type.isInstance(c)) {
        return c;
      }
    }
    return null;
  }

  static Throwable unwrap(Throwable e) {
    Throwable t = e;
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
