/**
 * The gateway's broker over an external MQTT broker: {@link io.exproto.broker.mqtt.MqttBroker}
 * in session mode (one MQTT session per device) or shared mode (a pool of connections), with
 * {@link io.exproto.broker.mqtt.MqttTls} for {@code mqtts://}.
 */
package io.exproto.broker.mqtt;
