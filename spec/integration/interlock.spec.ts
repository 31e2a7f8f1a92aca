import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestClient } from '../support/client';
import { cleanupAll } from '../support/cleanup';
import { interlockViolations, type LineSet } from '../support/interlock-trace';
import { Mosquitto } from '../support/mosquitto';
import { freePort } from '../support/ports';
import { ROOT, Service } from '../support/service';

// Interlocked outputs in the built service (node dist/main.js) on the
// simulated chip, against its embedded broker (aedes) and a real Mosquitto:
// what a user sees on MQTT. The line-level proof with kernel timestamps is
// spec/kernel/interlock.spec.ts.
jest.setTimeout(60_000);
afterEach(cleanupAll);

const GROUP = [20, 21, 22];
const config = (mqtt: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  thingName: 't1',
  OutputGpios: '20,21,22L,8',
  interlocks: [GROUP],
  interlockDelay: 50,
  mqtt,
  gpio: { driver: 'sim' },
  ...extra,
});

const brokers = {
  'the embedded broker (aedes)': async (extra?: Record<string, unknown>) => {
    const port = await freePort();
    const service = await Service.start(config({ url: 'embedded', host: '127.0.0.1', port }, extra));
    await service.ready();
    return { service, url: `mqtt://127.0.0.1:${port}` };
  },
  'a real Mosquitto': async (extra?: Record<string, unknown>) => {
    const broker = await Mosquitto.start();
    const service = await Service.start(config({ url: broker.url }, extra));
    await service.ready();
    return { service, url: broker.url };
  },
};

/** The group's states in the order they arrived: one connection, QoS 1, so the order the service wrote them. */
const statesInOrder = (client: TestClient): LineSet[] =>
  client.received
    .filter((m) => !m.retain && /^gpio\/t1\/2[012]\/state$/.test(m.topic))
    .map((m, i) => ({ t: i, pin: Number(m.topic.split('/')[2]), level: m.payload === '1' ? 1 : 0 }));

describe.each(Object.keys(brokers) as Array<keyof typeof brokers>)('interlocks, with %s', (which) => {
  it('an on switches the others off first, a pulse ends early, a later command replaces a waiting one', async () => {
    // A dead time long enough that the second of two ons published together surely arrives within it, however busy the machine.
    const { url } = await brokers[which]({ interlockDelay: 1000 });
    const client = await TestClient.connect(url);
    await client.subscribe(['gpio/t1/+/state', 'gpio/t1/error']);
    // The start-up states went out before this client subscribed (not retained): every state here is an answer.

    await client.publish('gpio/t1/20/write', '1');
    expect((await client.until('gpio/t1/20/state', (m) => !m.retain && m.payload === '1')).payload).toBe('1');

    // A pulse on 21: 20 goes off first, then 21 on, then off after its 300 ms.
    await client.publish('gpio/t1/21/pulse', '300');
    expect((await client.until('gpio/t1/20/state', (m) => m.payload === '0')).payload).toBe('0');
    expect((await client.until('gpio/t1/21/state', (m) => m.payload === '1')).payload).toBe('1');
    // Before the pulse ends, 22 takes over: the pulse ends at once (off), then 22 on.
    await client.publish('gpio/t1/22/write', '1');
    expect((await client.until('gpio/t1/21/state', (m) => m.payload === '0')).payload).toBe('0');
    expect((await client.until('gpio/t1/22/state', (m) => m.payload === '1')).payload).toBe('1');

    // Two ons in one breath: the first waits out the dead time after 22's off, the second replaces it.
    client.drain('gpio/t1/error');
    await Promise.all([client.publish('gpio/t1/20/write', '1'), client.publish('gpio/t1/21/write', '1')]);
    const error = JSON.parse((await client.next('gpio/t1/error')).payload) as Record<string, string>;
    expect(error).toMatchObject({ error: 'Interlock', topic: 'gpio/t1/20/write' });
    expect(error['long_description']).toMatch(/replaced it during the interlock delay/);
    expect((await client.until('gpio/t1/21/state', (m) => m.payload === '1')).payload).toBe('1');

    // A pin in no group is as it was.
    await client.publish('gpio/t1/8/write', '1');
    expect((await client.until('gpio/t1/8/state', (m) => m.payload === '1')).payload).toBe('1');
    expect(interlockViolations(statesInOrder(client), [GROUP], 0)).toEqual([]);
  });

  it('a burst of 200 seeded writes and pulses: never two of the group on, in the order the states were published', async () => {
    const { url } = await brokers[which]();
    const client = await TestClient.connect(url);
    await client.subscribe(['gpio/t1/+/state', 'gpio/t1/error']);
    let seed = 17;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let i = 0; i < 200; i++) {
      const pin = GROUP[random(3)] as number;
      const kind = random(3);
      await client.publish(`gpio/t1/${pin}/${kind === 2 ? 'pulse' : 'write'}`, kind === 2 ? String(1 + random(80)) : String(kind));
    }
    // A last write marks the end: when its state is in, every earlier answer is.
    await client.publish('gpio/t1/20/write', '1');
    await client.until('gpio/t1/20/state', (m) => m.payload === '1', 30_000);
    await new Promise((r) => setTimeout(r, 200)); // pulses that were still running end
    const sets = statesInOrder(client);
    expect(sets.length).toBeGreaterThan(50);
    expect(interlockViolations(sets, [GROUP], 0)).toEqual([]);
  });
});

describe("the README's example (examples/interlocks.yaml), as it is but for its port", () => {
  it('reverses the motor with the dead time, and keeps the valve to one port', async () => {
    const port = await freePort();
    const text = readFileSync(join(ROOT, 'examples', 'interlocks.yaml'), 'utf8').replace('port: 1883', `port: ${port}`);
    const service = await Service.start(text);
    await service.ready();
    const client = await TestClient.connect(`mqtt://127.0.0.1:${port}`);
    await client.subscribe(['gpio/pump/+/state', 'gpio/pump/error']);
    await client.publish('gpio/pump/20/write', '1');
    await client.until('gpio/pump/20/state', (m) => m.payload === '1');
    await client.publish('gpio/pump/21/write', '1');
    await client.until('gpio/pump/20/state', (m) => m.payload === '0');
    await client.until('gpio/pump/21/state', (m) => m.payload === '1');
    // 22 started open: a pulse on 23 closes it first, and 23 goes off again after its 300 ms.
    await client.publish('gpio/pump/23/pulse', '300');
    await client.until('gpio/pump/22/state', (m) => m.payload === '0');
    await client.until('gpio/pump/23/state', (m) => m.payload === '1');
    await client.until('gpio/pump/23/state', (m) => m.payload === '0');
    const order = client.received.filter((m) => m.topic.endsWith('/state')).map((m) => `${m.topic.split('/')[2]}=${m.payload}`);
    expect(order).toEqual(['20=1', '20=0', '21=1', '22=0', '23=1', '23=0']);
    expect(client.received.filter((m) => m.topic === 'gpio/pump/error')).toEqual([]);
  });
});

describe('interlock config errors', () => {
  it('stops before touching pins or the broker, every problem by path', async () => {
    const service = await Service.start({
      thingName: 't1',
      InputGpios: '5',
      OutputGpios: '20H,21,22',
      pins: [{ pin: 23, direction: 'output', initial: 'high' }],
      interlocks: [[20, 23, 5], [21], [22, 20]],
      mqtt: { url: 'mqtt://127.0.0.1:1' },
      gpio: { driver: 'sim' },
    });
    expect(await service.waitForExit(10_000)).toEqual({ code: 2, signal: null });
    expect(service.stderr).toMatch(/^\s*interlocks\[0\]\[2\]: pin 5 is an input \(InputGpios\); only outputs can be interlocked\s*$/m);
    expect(service.stderr).toMatch(/^\s*interlocks\[0\]: pins 20 \(OutputGpios\) and 23 \(pins\[0\]\.initial\) both start on: at most one pin of an interlock group may start high \(or with a PWM duty above 0\)\s*$/m);
    expect(service.stderr).toMatch(/^\s*interlocks\[1\]: a group needs two pins or more, got 1\s*$/m);
    expect(service.stderr).toMatch(/^\s*interlocks\[2\]\[1\]: pin 20 is also in interlocks\[0\]\s*$/m);
  });
});
