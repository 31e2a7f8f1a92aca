import { TestClient } from '../support/client';
import { cleanupAll, sleep } from '../support/cleanup';
import { read, request } from '../support/config';
import { Mosquitto } from '../support/mosquitto';
import { type LogLine, Service } from '../support/service';

// Issue 17, failsafe: the built service (node dist/main.js, simulated chip)
// and a real Mosquitto that is SIGKILLed. The simulated lines live inside the
// service, so what it did to them is read from its log (each failsafe move is
// a line with the level the driver reports and its time), then over MQTT when
// the broker is back (reads, the error topic). The one time bound checked is
// the functional one: the move within failsafeAfter + 100 ms of the kill.
jest.setTimeout(60_000);
afterEach(cleanupAll);

const THING = 'fs';
const AFTER_MS = 1500;

const config = (url: string) => ({
  thingName: THING,
  pins: [
    { pin: 17, direction: 'output', initial: 'low', failsafe: 'low', failsafeAfter: AFTER_MS },
    // Active-low: the logical level 1 is a low line.
    { pin: 18, direction: 'output', initial: 'low', activeLow: true, failsafe: 'high', failsafeAfter: AFTER_MS },
    { pin: 19, direction: 'output', initial: 'low', failsafe: 'keep' },
    { pin: 20, direction: 'output', initial: 'low' },
  ],
  mqtt: { url },
  gpio: { driver: 'sim' },
});

const moved = (l: LogLine) => typeof l['msg'] === 'string' && l['msg'].startsWith('failsafe: the broker connection has been lost');
const reported = (l: LogLine) => typeof l['msg'] === 'string' && l['msg'].startsWith('failsafe: broker back');
const timeOf = (l: LogLine) => Date.parse(String(l['time']));

describe('failsafe levels, with the broker SIGKILLed (built service, simulated chip, real Mosquitto)', () => {
  it('moves each failsafe output to its level within failsafeAfter + 100 ms, ending a pulse, reports it when the broker is back, and does not restore it', async () => {
    // Persistence saved every second: the test client's session and
    // subscription outlive the SIGKILL, so the reports wait for it at the broker.
    const broker = await Mosquitto.start({ persistence: true, extra: ['autosave_interval 1'] });
    const client = await TestClient.connect(broker.url, { clientId: 'spec-failsafe-watcher', clean: false });
    await client.subscribe([`gpio/${THING}/+/state`, `gpio/${THING}/error`], 1);
    const service = await Service.start(config(broker.url));
    await service.ready();

    // 17 in a long pulse, 19 and 20 switched on: the failsafe must end the pulse and leave 19 and 20 alone.
    expect((await request(client, `gpio/${THING}/17/pulse`, '600000', `gpio/${THING}/17/state`)).payload).toBe('1');
    expect((await request(client, `gpio/${THING}/19/write`, '1', `gpio/${THING}/19/state`)).payload).toBe('1');
    expect((await request(client, `gpio/${THING}/20/write`, '1', `gpio/${THING}/20/state`)).payload).toBe('1');
    expect(await read(client, 18, THING)).toBe('0');
    await sleep(2_000); // one autosave after the subscription

    const killed = await broker.kill('SIGKILL');
    const m17 = await service.waitForLog((l) => moved(l) && l['pin'] === 17, AFTER_MS + 10_000);
    const m18 = await service.waitForLog((l) => moved(l) && l['pin'] === 18, AFTER_MS + 10_000);
    // The level the driver reports after the write: logical, so 18 (active-low) is 1.
    expect([m17['pinLevel'], m18['pinLevel'], m17['failsafeAfterMs']]).toEqual([0, 1, AFTER_MS]);
    for (const m of [m17, m18]) {
      const after = timeOf(m) - killed.wallMs;
      // Never before failsafeAfter (2 ms for the log's and Node's ms rounding), and within the bound.
      expect({ pin: m['pin'], after, early: after < AFTER_MS - 2, late: after > AFTER_MS + 100 }).toEqual({ pin: m['pin'], after, early: false, late: false });
    }
    // Kept down well past the bound: nothing else moves, and no report yet (nothing to report to).
    await sleep(AFTER_MS);
    expect(service.logs.filter(moved).map((l) => l['pin'])).toEqual([17, 18]);
    expect(service.logs.filter(reported)).toEqual([]);

    await broker.restart();
    const reports = [await client.until(`gpio/${THING}/error`, (m) => m.payload.includes('Failsafe level set'), 20_000)];
    reports.push(await client.until(`gpio/${THING}/error`, (m) => m.payload.includes('Failsafe level set'), 10_000));
    const bodies = reports.map((m) => JSON.parse(m.payload) as { topic: string; error: string; long_description: string });
    expect(bodies.map((b) => [b.topic, b.error])).toEqual([
      [`gpio/${THING}/17/write`, 'Failsafe level set'],
      [`gpio/${THING}/18/write`, 'Failsafe level set'],
    ]);
    expect(bodies[0]?.long_description).toMatch(/^The broker connection was lost for 1500 ms \(failsafeAfter\), so GPIO 17 was set to its failsafe level 0 at \d{4}-\d\d-\d\dT[\d:.]+Z\. It stays there until a write or a pulse sets it\.$/);
    expect(bodies[1]?.long_description).toContain('GPIO 18 was set to its failsafe level 1');
    expect(service.logs.filter(reported).map((l) => [l['pin'], l['pinLevel']])).toEqual([
      [17, 0],
      [18, 1],
    ]);

    // The levels now, and a while later: failsafe levels kept, the others as they were, the pulse over.
    const levels = async () => Promise.all([17, 18, 19, 20].map((p) => read(client, p, THING)));
    expect(await levels()).toEqual(['0', '1', '1', '1']);
    await sleep(1_000);
    expect(await levels()).toEqual(['0', '1', '1', '1']);
    // A write takes the pin back as ever.
    expect((await request(client, `gpio/${THING}/17/write`, '1', `gpio/${THING}/17/state`)).payload).toBe('1');
    expect(service.stderr).toBe('');
  });

  it('changes nothing when the broker returns sooner than failsafeAfter', async () => {
    const broker = await Mosquitto.start();
    const client = await TestClient.connect(broker.url);
    await client.subscribe([`gpio/${THING}/+/state`, `gpio/${THING}/error`], 1);
    const service = await Service.start({
      ...config(broker.url),
      pins: [
        { pin: 17, direction: 'output', initial: 'high', failsafe: 'low', failsafeAfter: 4000 },
        { pin: 18, direction: 'output', initial: 'low', failsafe: 'high', failsafeAfter: 4000 },
      ],
    });
    await service.ready();

    const killed = await broker.kill('SIGKILL');
    await broker.restart();
    const back = await service.waitForLog((l) => l['msg'] === 'broker connection back', 10_000);
    expect(timeOf(back) - killed.wallMs).toBeLessThan(4000);
    // Past the failsafe's time, counted from the kill.
    await sleep(Math.max(0, killed.wallMs + 4000 + 500 - Date.now()));
    expect(service.logs.filter((l) => moved(l) || reported(l))).toEqual([]);
    expect(client.received.filter((m) => m.topic === `gpio/${THING}/error`)).toEqual([]);
    expect([await read(client, 17, THING), await read(client, 18, THING)]).toEqual(['1', '0']);
  });
});
