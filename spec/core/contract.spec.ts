import { mqttContract, type ContractOptions } from '../../src/core/contract';
import type { Output } from '../../src/core/outputs';
import type { Reply } from '../../src/core/requests';

const clock = (ns?: bigint): string => (ns === undefined ? 'now' : `at ${ns}`);
const contract = (o: Partial<ContractOptions> = {}) => mqttContract({ thing: 'pi', qos: 1, retainState: false, wallTime: clock, ...o });
const error = { topic: 'gpio/pi/5/write', error: 'Invalid GPIO operation', long_description: 'GPIO 5 is configured as an INPUT GPIO. Write operations are not permitted.' };

describe('mqttContract: what each output is on MQTT', () => {
  it.each<[string, Output, object]>([
    ['a state', { _tag: 'State', pin: 8, level: 1 }, { topic: 'gpio/pi/8/state', payload: '1', qos: 1, retain: false }],
    ['a low state', { _tag: 'State', pin: 0, level: 0 }, { topic: 'gpio/pi/0/state', payload: '0', qos: 1, retain: false }],
    [
      'an error',
      { _tag: 'Rejected', error },
      {
        topic: 'gpio/pi/error',
        payload: '{"topic":"gpio/pi/5/write","error":"Invalid GPIO operation","long_description":"GPIO 5 is configured as an INPUT GPIO. Write operations are not permitted."}',
        qos: 1,
        retain: false,
      },
    ],
    [
      'an edge with its kernel timestamp',
      { _tag: 'Event', pin: 5, rising: true, timestampNs: 12345678901234567890n },
      { topic: 'gpio/pi/5/event', payload: '{"edge":"rising","level":1,"time":"at 12345678901234567890","timestampNs":"12345678901234567890"}', qos: 1, retain: false },
    ],
    ['a polled edge', { _tag: 'Event', pin: 5, rising: false }, { topic: 'gpio/pi/5/event', payload: '{"edge":"falling","level":0,"time":"now"}', qos: 1, retain: false }],
    ['a count', { _tag: 'Count', pin: 6, count: 42 }, { topic: 'gpio/pi/6/count', payload: '42', qos: 1, retain: false }],
  ])('publishes %s as one message', (_, output, message) => {
    expect(contract()(output)).toEqual({ messages: [message] });
  });

  it.each<[string, Output]>([
    ['an ignored request', { _tag: 'Ignored', topic: 'gpio/pi/8/write', reason: 'retained write ignored', retained: 'write' }],
    ['a simulated input', { _tag: 'Simulated', topic: 'gpio/pi/5/simulate', pin: 5, level: 1 }],
  ])('publishes nothing for %s (the log has it)', (_, output) => {
    expect(contract()(output).messages).toEqual([]);
  });

  it('publishes at mqtt.qos, and retains states and counts only with retainState, never errors or events', () => {
    const deliver = contract({ qos: 0, retainState: true });
    const flags = (o: Output) => deliver(o).messages.map((m) => [m.qos, m.retain]);
    expect(flags({ _tag: 'State', pin: 8, level: 1 })).toEqual([[0, true]]);
    expect(flags({ _tag: 'Count', pin: 6, count: 1 })).toEqual([[0, true]]);
    expect(flags({ _tag: 'Rejected', error })).toEqual([[0, false]]);
    expect(flags({ _tag: 'Event', pin: 5, rising: true })).toEqual([[0, false]]);
  });

  it('answers at the request\'s QoS, capped at mqtt.qos', () => {
    const qosOf = (serviceQos: 0 | 1, requestQos: 0 | 1 | 2) =>
      contract({ qos: serviceQos })({ _tag: 'State', pin: 8, level: 1, reply: { qos: requestQos } }).messages.map((m) => m.qos);
    expect([qosOf(1, 0), qosOf(1, 1), qosOf(1, 2), qosOf(0, 0), qosOf(0, 2)]).toEqual([[0], [1], [1], [0], [0]]);
  });

  const mqtt5: Reply = { qos: 1, responseTopic: 'replies/me', correlationData: new Uint8Array([7, 8]), userProperties: { who: 'me' } };

  it('sends an MQTT 5 answer to the response topic too, both echoing the correlation data and user properties', () => {
    const properties = { correlationData: new Uint8Array([7, 8]), userProperties: { who: 'me' } };
    expect(contract()({ _tag: 'Rejected', error, reply: mqtt5 })).toEqual({
      messages: [
        { topic: 'gpio/pi/error', payload: JSON.stringify(error), qos: 1, retain: false, properties },
        { topic: 'replies/me', payload: JSON.stringify(error), qos: 1, retain: false, properties },
      ],
    });
  });

  it('keeps a retained state free of one caller\'s properties; the response topic still gets them, not retained', () => {
    const { messages } = contract({ retainState: true })({ _tag: 'State', pin: 8, level: 0, reply: mqtt5 });
    expect(messages).toEqual([
      { topic: 'gpio/pi/8/state', payload: '0', qos: 1, retain: true },
      { topic: 'replies/me', payload: '0', qos: 1, retain: false, properties: { correlationData: new Uint8Array([7, 8]), userProperties: { who: 'me' } } },
    ]);
  });

  it('adds no properties for a request that had none', () => {
    expect(contract()({ _tag: 'State', pin: 8, level: 1, reply: { qos: 1, responseTopic: 'r' } }).messages).toEqual([
      { topic: 'gpio/pi/8/state', payload: '1', qos: 1, retain: false },
      { topic: 'r', payload: '1', qos: 1, retain: false },
    ]);
  });

  it.each(['replies/+', 'replies/#', 'gpio/pi/8/write', 'gpio/other/3/pulse', ''])('refuses the response topic %j: the answer goes to its own topic only', (to) => {
    const delivery = contract()({ _tag: 'State', pin: 8, level: 1, reply: { qos: 1, responseTopic: to } });
    expect(delivery).toEqual({ messages: [{ topic: 'gpio/pi/8/state', payload: '1', qos: 1, retain: false }], refusedResponseTopic: to });
  });

  it('names the thing in every topic', () => {
    const deliver = contract({ thing: 'other' });
    const topics = ([{ _tag: 'State', pin: 8, level: 1 }, { _tag: 'Rejected', error }, { _tag: 'Event', pin: 5, rising: true }, { _tag: 'Count', pin: 6, count: 0 }] as Output[]).map(
      (o) => deliver(o).messages[0]?.topic,
    );
    expect(topics).toEqual(['gpio/other/8/state', 'gpio/other/error', 'gpio/other/5/event', 'gpio/other/6/count']);
  });
});
