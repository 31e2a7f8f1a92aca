import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { TestClient } from '../support/client';
import { cleanupAll, sleep } from '../support/cleanup';
import { read, request } from '../support/config';
import { Mosquitto } from '../support/mosquitto';
import { type LogLine, ROOT, Service } from '../support/service';

// Issue 17, failsafe: the built service (node dist/main.js, simulated chip)
// with the README's example (examples/failsafe.yaml, its broker URL made the
// test's) and a real Mosquitto that is SIGKILLed. The simulated lines live inside the
// service, so what it did to them is read from its log (each failsafe move is
// a line with the level the driver reports and its time), then over MQTT when
// the broker is back (reads, the error topic). The one time bound checked is
// the functional one: the move within failsafeAfter + 100 ms of the kill.
jest.setTimeout(60_000);
afterEach(cleanupAll);

const THING = 'plant';
const AFTER_MS = 3000;
const EXAMPLE = parse(readFileSync(join(ROOT, 'examples', 'failsafe.yaml'), 'utf8')) as Record<string, unknown>;
const config = (url: string) => ({ ...EXAMPLE, mqtt: { url } });

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

    // The pump (17) in a long pulse, the heater (18, active-low) and the light (19, keep) on: the failsafe
    // must end the pulse, switch the heater off, and leave the light alone.
    expect(EXAMPLE['pins']).toEqual([
      expect.objectContaining({ pin: 17, failsafe: 'low', failsafeAfter: AFTER_MS }),
      expect.objectContaining({ pin: 18, activeLow: true, failsafe: 'low', failsafeAfter: AFTER_MS }),
      expect.objectContaining({ pin: 19, failsafe: 'keep' }),
    ]);
    expect((await request(client, `gpio/${THING}/17/pulse`, '600000', `gpio/${THING}/17/state`)).payload).toBe('1');
    expect((await request(client, `gpio/${THING}/18/write`, '1', `gpio/${THING}/18/state`)).payload).toBe('1');
    expect((await request(client, `gpio/${THING}/19/write`, '1', `gpio/${THING}/19/state`)).payload).toBe('1');
    await sleep(2_000); // one autosave after the subscription

    const killed = await broker.kill('SIGKILL');
    const m17 = await service.waitForLog((l) => moved(l) && l['pin'] === 17, AFTER_MS + 10_000);
    const m18 = await service.waitForLog((l) => moved(l) && l['pin'] === 18, AFTER_MS + 10_000);
    // The level the driver reports after the write: logical (18 is active-low: a high line).
    expect([m17['pinLevel'], m18['pinLevel'], m17['failsafeAfterMs']]).toEqual([0, 0, AFTER_MS]);
    for (const m of [m17, m18]) {
      const after = timeOf(m) - killed.wallMs;
      // Never before failsafeAfter (2 ms for the log's and Node's ms rounding), and within the bound.
      expect({ pin: m['pin'], after, early: after < AFTER_MS - 2, late: after > AFTER_MS + 100 }).toEqual({ pin: m['pin'], after, early: false, late: false });
    }
    // Kept down well past the bound: nothing else moves, and no report yet (nothing to report to).
    await sleep(1_000);
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
    expect(bodies[0]?.long_description).toMatch(/^The broker connection was lost for 3000 ms \(failsafeAfter\), so GPIO 17 was set to its failsafe level 0 at \d{4}-\d\d-\d\dT[\d:.]+Z\. It stays there until a write or a pulse sets it\.$/);
    expect(bodies[1]?.long_description).toContain('GPIO 18 was set to its failsafe level 0');
    expect(service.logs.filter(reported).map((l) => [l['pin'], l['pinLevel']])).toEqual([
      [17, 0],
      [18, 0],
    ]);

    // The levels now, and a while later: failsafe levels kept, the others as they were, the pulse over.
    const levels = async () => Promise.all([17, 18, 19].map((p) => read(client, p, THING)));
    expect(await levels()).toEqual(['0', '0', '1']);
    await sleep(1_000);
    expect(await levels()).toEqual(['0', '0', '1']);
    // A write takes the pin back as ever.
    expect((await request(client, `gpio/${THING}/17/write`, '1', `gpio/${THING}/17/state`)).payload).toBe('1');
    expect(service.stderr).toBe('');
  });

  it('changes nothing when the broker returns sooner than failsafeAfter', async () => {
    const broker = await Mosquitto.start();
    const client = await TestClient.connect(broker.url);
    await client.subscribe([`gpio/${THING}/+/state`, `gpio/${THING}/error`], 1);
    const service = await Service.start(config(broker.url));
    await service.ready();
    for (const pin of [17, 18, 19]) expect((await request(client, `gpio/${THING}/${pin}/write`, '1', `gpio/${THING}/${pin}/state`)).payload).toBe('1');

    const killed = await broker.kill('SIGKILL');
    await broker.restart();
    const back = await service.waitForLog((l) => l['msg'] === 'broker connection back', 10_000);
    expect(timeOf(back) - killed.wallMs).toBeLessThan(AFTER_MS);
    // Past the failsafe's time, counted from the kill.
    await sleep(Math.max(0, killed.wallMs + AFTER_MS + 500 - Date.now()));
    expect(service.logs.filter((l) => moved(l) || reported(l))).toEqual([]);
    expect(client.received.filter((m) => m.topic === `gpio/${THING}/error`)).toEqual([]);
    expect([await read(client, 17, THING), await read(client, 18, THING), await read(client, 19, THING)]).toEqual(['1', '1', '1']);
  });
});
