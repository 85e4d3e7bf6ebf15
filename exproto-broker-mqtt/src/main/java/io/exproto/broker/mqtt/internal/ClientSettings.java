package io.exproto.broker.mqtt.internal;

import com.hivemq.client.mqtt.MqttClientExecutorConfig;
import com.hivemq.client.mqtt.MqttClientTransportConfig;

/**
 * What every HiveMQ client of one bridge shares: the transport (address, TLS, timeouts) and the
 * executors, so that the bridge owns its network threads and releases them when it closes.
 */
public record ClientSettings(MqttClientTransportConfig transport,
    MqttClientExecutorConfig executors) {}
