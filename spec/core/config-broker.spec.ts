import * as E from 'fp-ts/Either';
import { decodeConfig } from '../../src/core/config';
import type { Broker } from '../../src/core/model';

// Issue 11, item 3: the embedded broker is never open to the network by accident.

const decode = (mqtt: Record<string, unknown>) => decodeConfig({ thingName: 't', InputGpios: '5', mqtt }, {});
const problems = (mqtt: Record<string, unknown>): ReadonlyArray<string> => {
  const r = decode(mqtt);
  if (E.isRight(r)) throw new Error(`expected problems, got ${JSON.stringify(r.right)}`);
  return r.left;
};
const broker = (mqtt: Record<string, unknown>): Broker => {
  const r = decode(mqtt);
  if (E.isLeft(r)) throw new Error(r.left.join('\n'));
  return r.right.mqtt.broker;
};
const OPEN = 'is reachable from other machines, and anyone who can connect can switch the outputs: set mqtt.username and mqtt.password (or mqtt.users), or mqtt.allowAnonymous: true to accept that';

describe('decodeConfig: embedded broker access', () => {
  it.each(['0.0.0.0', '::', '192.168.1.10', 'raspberrypi.local'])('refuses host %j without credentials or an explicit opt-out', (host) => {
    expect(problems({ host })).toEqual([`mqtt.host: ${JSON.stringify(host)} ${OPEN}`]);
  });

  it('refuses an empty host, which would listen on every interface', () => {
    expect(problems({ host: '' })).toEqual([
      'mqtt.host: must not be empty: give the address to listen on, 127.0.0.1 for this machine only (an empty host listens on every interface)',
    ]);
  });

  it.each(['127.0.0.1', '127.1.2.3', '::1', 'localhost'])('lets anyone on this machine connect to %j by default', (host) => {
    expect(broker({ host })).toMatchObject({ kind: 'embedded', host, users: [], allowAnonymous: false });
  });

  it('takes 0.0.0.0 with credentials, or with allowAnonymous: true', () => {
    expect(broker({ host: '0.0.0.0', username: 'u', password: 'p' })).toMatchObject({ users: [{ username: 'u', password: 'p' }] });
    expect(broker({ host: '0.0.0.0', users: [{ username: 'a', password: 'x' }, { username: 'b', password: 'y' }] })).toMatchObject({
      users: [
        { username: 'a', password: 'x' },
        { username: 'b', password: 'y' },
      ],
    });
    expect(broker({ host: '0.0.0.0', allowAnonymous: true })).toMatchObject({ users: [], allowAnonymous: true });
  });

  it('reports incomplete users without echoing a password, and users next to allowAnonymous', () => {
    expect(problems({ username: 'u', users: [{ username: 'a' }, { password: 'hunter2' }, 'x'], allowAnonymous: true })).toEqual([
      'mqtt.password: missing: the embedded broker needs both mqtt.username and mqtt.password',
      'mqtt.users[0].password: missing, expected string',
      'mqtt.users[1].username: missing, expected string',
      'mqtt.users[2]: expected a mapping like {username: app, password: secret}, got "x"',
    ]);
    expect(problems({ users: [{ username: 'a', password: 'b' }], allowAnonymous: true })).toEqual([
      'mqtt.allowAnonymous: cannot be true with mqtt.username/password or mqtt.users: those credentials are enforced',
    ]);
    expect(problems({ users: Array.from({ length: 101 }, () => ({ username: 'a', password: 'b' })) })).toEqual(['mqtt.users: too many entries: 101, at most 100']);
  });

  it('reports the embedded-only keys next to a broker URL', () => {
    expect(problems({ url: 'mqtt://127.0.0.1:1883', users: [], allowAnonymous: true, host: 'h' })).toEqual([
      'mqtt.host: only used with url: embedded; put the host in the url',
      'mqtt.users: only used with url: embedded',
      'mqtt.allowAnonymous: only used with url: embedded',
    ]);
    // A username alone is fine for an external broker.
    expect(E.isRight(decode({ url: 'mqtt://127.0.0.1:1883', username: 'u' }))).toBe(true);
  });

  it('takes a persistent session with a broker URL only, and queuedWrites only with it', () => {
    expect(problems({ persistentSession: true, queuedWrites: 'refuse' })).toEqual([
      'mqtt.persistentSession: only used with a broker url: the embedded broker starts and stops with the service, so nothing can wait in it',
    ]);
    expect(problems({ url: 'mqtt://127.0.0.1:1883', queuedWrites: 'apply' })).toEqual(['mqtt.queuedWrites: only used with persistentSession: true']);
    expect(problems({ url: 'mqtt://127.0.0.1:1883', persistentSession: true, queuedWrites: 'later' })).toEqual([
      'mqtt.queuedWrites: expected one of apply, refuse, got "later"',
    ]);
    expect(problems({ url: 'mqtt://127.0.0.1:1883', persistentSession: true, qos: 0 })).toEqual([
      'mqtt.qos: must be 1 with persistentSession: true: a broker queues nothing for a QoS 0 subscription',
    ]);
    const r = decode({ url: 'mqtt://127.0.0.1:1883', persistentSession: true });
    expect(E.isRight(r) && r.right.mqtt).toMatchObject({ persistentSession: true, queuedWrites: 'apply' });
  });
});

describe('decodeConfig: mqtt.snapshot', () => {
  const mqttOf = (mqtt: Record<string, unknown>) => {
    const r = decode(mqtt);
    if (E.isLeft(r)) throw new Error(r.left.join('\n'));
    return r.right.mqtt;
  };
  const IOT = 'mqtts://a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com:8883';

  it('is on by default, with the embedded broker and any broker URL', () => {
    expect(mqttOf({})).not.toHaveProperty('snapshot');
    expect(mqttOf({ url: 'mqtt://broker.example.com:1883' })).not.toHaveProperty('snapshot');
    expect(mqttOf({ url: 'mqtt://broker.example.com:1883', snapshot: true })).not.toHaveProperty('snapshot');
  });

  it('is off by default with an AWS IoT Core endpoint, whose policy may lack the pins topic, and on when asked for', () => {
    expect(mqttOf({ url: IOT })).toMatchObject({ snapshot: false });
    expect(mqttOf({ url: `${IOT.replace(':8883', ':443')}` })).toMatchObject({ snapshot: false });
    expect(mqttOf({ url: IOT, snapshot: true })).not.toHaveProperty('snapshot');
  });

  it('is off when the config says so, and must be a boolean', () => {
    expect(mqttOf({ snapshot: false })).toMatchObject({ snapshot: false });
    expect(problems({ snapshot: 'yes' })).toEqual(['mqtt.snapshot: expected boolean, got "yes"']);
  });
});
