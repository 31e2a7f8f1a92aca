import type { IPublishPacket, MqttClient } from 'mqtt';
import { Observable } from 'rxjs';
import type { Reply, Request } from '../../core/requests';

/** What the answer needs from the request's packet: its QoS and, with MQTT 5, its response properties. */
const replyOf = (packet: Pick<IPublishPacket, 'qos' | 'properties'>): Reply => {
  const p = packet.properties;
  const qos = packet.qos === 1 || packet.qos === 2 ? packet.qos : 0;
  if (p === undefined) return { qos };
  return {
    qos,
    ...(typeof p.responseTopic === 'string' ? { responseTopic: p.responseTopic } : {}),
    ...(p.correlationData !== undefined ? { correlationData: p.correlationData } : {}),
    ...(p.userProperties !== undefined ? { userProperties: p.userProperties } : {}),
  };
};

/**
 * Every message the client receives, decoded at the boundary: the payload as
 * UTF-8 text, whether the broker delivered it from its retained store, and
 * how to answer it (its QoS; with MQTT 5 its response topic, correlation data
 * and user properties).
 */
export const mqttRequests = (client: MqttClient): Observable<Request> =>
  // A listener of its own rather than fromEvent with a result selector: one step less for every request.
  new Observable<Request>((subscriber) => {
    const onMessage = (topic: string, payload: Buffer, packet: IPublishPacket): void =>
      subscriber.next({ topic, payload: payload.toString('utf8'), retained: packet.retain === true, reply: replyOf(packet) });
    client.on('message', onMessage);
    return () => {
      client.removeListener('message', onMessage);
    };
  });
