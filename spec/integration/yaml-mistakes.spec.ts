import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanupAll } from '../support/cleanup';
import { ROOT, Service } from '../support/service';

// Issue 15, item 7: YAML mistakes in the shipped config.yaml, run through the
// built service. Each is one line at the line where it starts, with a hint,
// and the service exits 2 before touching a pin or a broker.
jest.setTimeout(60_000);
afterEach(cleanupAll);

const shipped = readFileSync(join(ROOT, 'config.yaml'), 'utf8');
const lineOf = (text: string, pattern: RegExp): number => text.split('\n').findIndex((l) => pattern.test(l)) + 1;

/** Runs the service on `text`; returns its problem lines, with the config file's path as `FILE`. */
async function problemLines(text: string): Promise<string[]> {
  const service = await Service.start(text);
  const exit = await service.waitForExit(30_000);
  if (exit.code !== 2) throw new Error(`expected exit 2, got ${JSON.stringify(exit)}; ${service.describe()}`);
  const touched = service.logs.filter((l) => l['component'] === 'gpio' || l['component'] === 'broker' || l['component'] === 'mqtt');
  expect(touched).toEqual([]);
  const [head, ...rest] = service.stderr.trimEnd().split('\n');
  const m = /^Invalid configuration in (.+) \((\d+) problems?\):$/.exec(head ?? '');
  if (m === null) throw new Error(`unexpected stderr: ${service.stderr}`);
  const file = m[1] as string;
  expect(rest).toHaveLength(Number(m[2]));
  return rest.map((line) => (line.startsWith(`${file}:`) ? `FILE${line.slice(file.length)}` : line));
}

describe('YAML mistakes in config.yaml, through the built service', () => {
  it('thingName:my-pi (no space after the colon): one line at that line, with the fix, exit 2', async () => {
    const broken = shipped.replace(/^thingName: my-pi$/m, 'thingName:my-pi');
    expect(broken).not.toBe(shipped);
    expect(await problemLines(broken)).toEqual([`FILE:${lineOf(broken, /^thingName:my-pi/)}: no space after "thingName:": write thingName: my-pi`]);
  });

  it('an unclosed quote: at the line it opens on, not at the end of the file', async () => {
    const broken = shipped.replace(/^OutputGpios: "8H,9,27L"$/m, 'OutputGpios: "8H,9,27L');
    expect(broken).not.toBe(shipped);
    expect(await problemLines(broken)).toEqual([
      `FILE:${lineOf(broken, /^OutputGpios: /)}: the " at column 14 is never closed: add the closing " at the end of the value`,
    ]);
  });

  it('two mistakes, two lines, in file order', async () => {
    const broken = shipped.replace(/^InputPollPeriod: 50$/m, 'InputPollPeriod:50').replace(/^(\s+)url: embedded$/m, '$1url:embedded');
    expect(await problemLines(broken)).toEqual([
      `FILE:${lineOf(broken, /^InputPollPeriod:50/)}: no space after "InputPollPeriod:": write InputPollPeriod: 50`,
      `FILE:${lineOf(broken, /^\s+url:embedded/)}: no space after "url:": write url: embedded`,
    ]);
  });
});
