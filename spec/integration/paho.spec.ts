import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cleanupAll } from '../support/cleanup';
import { brokerConfig } from '../support/config';
import { Mosquitto } from '../support/mosquitto';
import { Service } from '../support/service';

// A third-party client, paho-mqtt (Debian's python3-paho-mqtt, installed by
// scripts/system-deps.sh), against the built service through Mosquitto.
jest.setTimeout(60_000);
afterEach(cleanupAll);

const PYTHON = '/usr/bin/python3';
const SCRIPT = join(__dirname, '..', 'support', 'paho', 'request.py');

type Answer = { topic: string; payload: string; qos: number; retain: boolean; correlation?: string; user?: string[][] };

/** Runs the paho requester; fails (never skips) when paho is missing. */
function paho(args: Array<string | number>): Answer[] {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} not found: apt-get install python3-paho-mqtt (scripts/system-deps.sh does)`);
  const run = spawnSync(PYTHON, [SCRIPT, ...args.map(String)], { encoding: 'utf8', timeout: 30_000 });
  if (run.status !== 0) throw new Error(`paho requester failed (${run.status}): ${run.stderr}${run.stdout}`);
  return run.stdout.trim().split('\n').map((l) => JSON.parse(l) as Answer);
}

describe('paho-mqtt as the caller', () => {
  it('MQTT 5: answered on its response topic with its correlation data and user properties', async () => {
    const broker = await Mosquitto.start();
    const service = await Service.start(brokerConfig(broker.url, { protocolVersion: 5 }));
    await service.ready();
    const answers = paho([broker.port, 5, 1, 'gpio/t1/9/write', '1', 'replies/paho', 'corr-7']);
    expect(answers.filter((a) => a.topic === 'replies/paho')).toEqual([
      { topic: 'replies/paho', payload: '1', qos: 1, retain: false, correlation: 'corr-7', user: [['caller', 'paho'], ['trace', '1']] },
    ]);
  });

  it('MQTT 3.1.1 at QoS 0 (Home Assistant\'s and paho\'s default): answered on the state topic at QoS 0', async () => {
    const broker = await Mosquitto.start();
    const service = await Service.start(brokerConfig(broker.url));
    await service.ready();
    const answers = paho([broker.port, 4, 0, 'gpio/t1/9/write', '1']);
    expect(answers.filter((a) => !a.retain)).toEqual([{ topic: 'gpio/t1/9/state', payload: '1', qos: 0, retain: false }]);
  });
});
