import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupAll } from '../support/cleanup';
import { Service } from '../support/service';

// Issue 11, item 2: hostile or broken configs, run through the built service.
// Every one must end in exit 2 with its problem lines on stderr, no stack
// trace, and nothing logged by the GPIO driver or the broker (no pin touched).
jest.setTimeout(60_000);
afterEach(cleanupAll);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hostile-config-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PINS = 'InputGpios: "5"\nOutputGpios: "8"\ngpio: { driver: sim }\nmqtt: { port: 1 }\n';

async function expectConfigExit(service: Service): Promise<void> {
  const exit = await service.waitForExit(30_000);
  if (exit.code !== 2) throw new Error(`expected exit 2, got ${JSON.stringify(exit)}; ${service.describe()}`);
  expect(service.stderr).not.toMatch(/^\s+at /m); // no stack trace
  expect(service.stderr).toMatch(/^Invalid configuration in /m);
  const touched = service.logs.filter((l) => l['component'] === 'gpio' || l['component'] === 'broker' || l['component'] === 'mqtt');
  expect(touched).toEqual([]);
}

describe('hostile configs exit 2, before any pin or broker', () => {
  it.each([
    ['a thingName of 65,519 bytes', `thingName: ${'a'.repeat(65_519)}\n${PINS}`, /^thingName: too long: 65519 bytes, at most 128 \(UTF-8\)$/m],
    ['a thingName with a TAB', `thingName: "a\\tb"\n${PINS}`, /^thingName: must not contain U\+0009 /m],
    ['a thingName with U+FFFF', `thingName: "a\\uffffb"\n${PINS}`, /^thingName: must not contain U\+FFFF /m],
    ['InputPollPeriod: 1e309', `thingName: t1\nInputPollPeriod: 1e309\n${PINS}`, /^InputPollPeriod: too large: .* got \.inf$/m],
    ['an InputGpios of 8 MB', `thingName: t1\nInputGpios: "${'1,'.repeat(4 * 1024 * 1024)}1"\n`, /: too large: \d+ bytes, at most 1048576 allowed$/m],
    ['an InputGpios of 1,000 KB', `thingName: t1\nInputGpios: "${'1,'.repeat(500_000)}1"\n`, /^InputGpios: too long: 1000001 characters; at most 1024 pins$/m],
    ['a 50 MB value', `thingName: t1\nx: "${'a'.repeat(50 * 1024 * 1024)}"\n`, /: too large: \d+ bytes, at most 1048576 allowed$/m],
  ])('%s', async (_name, text, expected) => {
    const service = await Service.start(text);
    await expectConfigExit(service);
    expect(service.stderr).toMatch(expected);
  });

  it('a thingName with invalid UTF-8 is reported, not turned into U+FFFD', async () => {
    const path = join(dir, 'latin1.yaml');
    writeFileSync(path, Buffer.concat([Buffer.from('thingName: caf'), Buffer.from([0xe9]), Buffer.from(`\n${PINS}`)]));
    const service = await Service.start('', { configPath: path });
    await expectConfigExit(service);
    expect(service.stderr).toContain(`${path}:1: not valid UTF-8 (byte 14): save the file as UTF-8`);
  });

  it.each([
    ['/dev/zero', 'a character device'],
    ['a FIFO', 'a FIFO'],
    ['a directory', 'a directory'],
  ])('--config %s is refused at once', async (what, kind) => {
    let path = what === 'a directory' ? dir : what;
    if (what === 'a FIFO') {
      path = join(dir, 'fifo.yaml');
      execFileSync('mkfifo', [path]);
    }
    const service = await Service.start('', { configPath: path });
    await expectConfigExit(service);
    expect(service.stderr).toContain(`${path}: not a regular file (${kind}): give the path of a file`);
  });

  it('a missing mqtt.ca is exit 2 naming the key and the path, with the other problems', async () => {
    const missing = join(dir, 'no-such-ca.pem');
    const service = await Service.start(`thingName: t1\nInputGpios: "5"\nInputPollPeriod: 0\ngpio: { driver: sim }\nmqtt:\n  url: mqtts://127.0.0.1:8883\n  ca: ${missing}\n`);
    await expectConfigExit(service);
    expect(service.stderr).toMatch(/^Invalid configuration in .* \(2 problems\):$/m);
    expect(service.stderr).toMatch(/^InputPollPeriod: /m);
    expect(service.stderr).toContain(`mqtt.ca: ${JSON.stringify(missing)}: cannot read file: ENOENT`);
  });

  it('delivers every one of 10,000 problem lines to the pipe before exiting', async () => {
    const keys = Array.from({ length: 10_000 }, (_, i) => `unknown${i}: 1`).join('\n');
    const service = await Service.start(`thingName: t1\n${PINS}${keys}\n`);
    await expectConfigExit(service);
    const lines = service.stderr.split('\n').filter((l) => /^unknown\d+: unknown key/.test(l));
    expect(service.stderr).toMatch(/^Invalid configuration in .* \(10000 problems\):$/m);
    expect(lines).toHaveLength(10_000);
    expect(new Set(lines).size).toBe(10_000);
  });
});
