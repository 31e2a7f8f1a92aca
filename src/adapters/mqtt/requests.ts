import type { MqttClient } from 'mqtt';
import { fromEvent, type Observable } from 'rxjs';
import type { Request } from '../../core/reducer';

/**
 * Every message the client receives, decoded at the boundary: the payload as
 * UTF-8 text, and whether the broker delivered it from its retained store.
 */
export const mqttRequests = (client: MqttClient): Observable<Request> =>
  fromEvent(
    client,
    'message',
    (topic: string, payload: Buffer, packet: { retain?: boolean }): Request => ({
      topic,
      payload: payload.toString('utf8'),
      retained: packet.retain === true,
    }),
  );
