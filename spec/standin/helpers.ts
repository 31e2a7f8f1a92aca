import { GpiodStandin, runWithStandin, type StandinChipSpec, type StandinRun } from '../support/gpiod-standin';

/** A Raspberry Pi 4's main chip. */
export const PI: StandinChipSpec = { name: 'gpiochip0', label: 'pinctrl-bcm2711', lines: 58 };

/** Prepended to every child script: the addon, JSON output, error codes. */
const PRELUDE = `
const g = require('node-libgpiod');
const out = (v) => process.stdout.write(JSON.stringify(v) + '\\n');
const codeOf = (fn) => { try { fn(); return 'ok'; } catch (e) { return e.code || String(e); } };
`;

const created: GpiodStandin[] = [];

/** A stand-in disposed after the test. */
export async function standin(chips: StandinChipSpec[]): Promise<GpiodStandin> {
  const s = await GpiodStandin.create(chips);
  created.push(s);
  return s;
}

export async function disposeAll(): Promise<void> {
  await Promise.all(created.splice(0).map((s) => s.dispose()));
}

/** Runs a script (with the prelude) in a child with the stand-in; raw result. */
export function run(s: GpiodStandin, body: string): Promise<StandinRun> {
  return runWithStandin(s, PRELUDE + body);
}

/** Runs a script that must succeed and returns the last value it `out()`s. */
export async function child<T = unknown>(s: GpiodStandin, body: string): Promise<T> {
  const r = await run(s, body);
  if (r.code !== 0) throw new Error(`child failed (${r.code ?? r.signal}):\n${r.stderr}`);
  const last = r.stdout.trim().split('\n').pop();
  if (!last) throw new Error(`child printed nothing:\n${r.stderr}`);
  return JSON.parse(last) as T;
}
