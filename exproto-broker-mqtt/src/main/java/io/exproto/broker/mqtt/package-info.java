/**
 * The gateway's broker over an external MQTT broker: {@link io.exproto.broker.mqtt.MqttBroker}
 * in session mode (one MQTT session per device) or shared mode (a pool of connections), with
 * TLS for {@code mqtts://} from the client side of {@link io.exproto.tls.TlsSettings} (in
 * exproto-core). For applications that put the gateway in front of an MQTT broker or cluster.
 */
package io.exproto.broker.mqtt;
