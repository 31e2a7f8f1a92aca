import type * as Aedes from 'aedes';
import mqtt from 'mqtt';
import { createServer, type AddressInfo } from 'node:net';
import { subackOutcome, subscribeEach } from '../../src/adapters/mqtt/subscribe';
import { cleanupAll, Order, track } from '../support/cleanup';

// A refused subscription is told by the SUBACK's return code (top bit set),
// not by the wording of MQTT.js's error message.
jest.setTimeout(20_000);
afterEach(cleanupAll);

describe('subackOutcome', () => {
  it('reads granted QoS, MQTT 3.1.1 refusal (0x80) and MQTT 5 reason codes from the return code', () => {
    expect(subackOutcome('a/#', null, [1])).toEqual({ _tag: 'Granted', filter: 'a/#', qos: 1 });
    expect(subackOutcome('a/#', null, [0])).toEqual({ _tag: 'Granted', filter: 'a/#', qos: 0 });
    // Whatever the message says: the code decides.
    expect(subackOutcome('a/#', new Error('anything at all'), [0x80])).toEqual({ _tag: 'Refused', filter: 'a/#', code: 0x80, reason: 'anything at all' });
    expect(subackOutcome('a/#', new Error('x'), [0x87])).toMatchObject({ _tag: 'Refused', code: 0x87 }); // MQTT 5: not authorized
    expect(subackOutcome('a/#', null, [0x80])).toMatchObject({ _tag: 'Refused', code: 0x80, reason: 'SUBACK return code 128' });
    // No SUBACK at all: a failure, not a refusal.
    expect(subackOutcome('a/#', new Error('client disconnecting'), undefined)).toEqual({ _tag: 'Failed', filter: 'a/#', error: 'client disconnecting' });
  });
});

describe('subscribeEach on a real broker (aedes) that refuses one filter', () => {
  it('answers each filter on its own: granted, refused with its code', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { createBroker } = require('aedes') as typeof Aedes;
    const aedes = createBroker({
      // A null subscription is aedes's way to answer 0x80 in the SUBACK (an error would close the connection).
      authorizeSubscribe: (_client, sub, done) => done(null, sub.topic.startsWith('denied/') ? null : sub),
    });
    const server = createServer(aedes.handle);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    track(server, Order.Broker, () => new Promise<void>((done) => aedes.close(() => server.close(() => done()))));
    const client = mqtt.connect(`mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`, { reconnectPeriod: 0 });
    track(client, Order.Client, () => new Promise<void>((done) => client.end(true, {}, () => done())));
    await new Promise<void>((resolve) => client.once('connect', () => resolve()));
    const outcome = await subscribeEach(client, ['allowed/+/write', 'denied/+/write'], 1);
    expect(outcome).toEqual([
      { _tag: 'Granted', filter: 'allowed/+/write', qos: 1 },
      expect.objectContaining({ _tag: 'Refused', filter: 'denied/+/write', code: 0x80 }),
    ]);
  });
});
