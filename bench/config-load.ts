/**
 * Figure 6, hostile configs: time and peak memory of `node dist/main.js
 * --config FILE` until it exits 2, for the largest files it reads (1 MiB) in
 * their worst shapes, next to the shipped config.yaml.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Bench, Context } from './lib/bench';
import { MAIN } from './lib/procs';
import { fmt, type Row, type Section } from './lib/report';
import { summarize } from './lib/stats';

const MIB = 1024 * 1024;

/** Just under the 1 MiB cap, each in a shape that once cost time, memory or the stack. */
const files = (dir: string): ReadonlyArray<{ readonly label: string; readonly path: string }> => {
  const write = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const keys: string[] = ['thingName: t1', 'InputGpios: "5"'];
  for (let i = 0, length = 30; length < MIB - 20; i++) {
    keys.push(`k${i}: 1`);
    length += keys[keys.length - 1]!.length + 1;
  }
  return [
    { label: 'floor: `node dist/main.js --help`', path: '' },
    { label: `1 MiB of unknown keys (${keys.length - 2} problems)`, path: write('keys.yaml', `${keys.join('\n')}\n`) },
    { label: '1 MiB InputGpios', path: write('list.yaml', `thingName: t1\nInputGpios: "${'1,'.repeat(MIB / 2 - 40)}1"\n`) },
    { label: '1 MiB nested flow sequences', path: write('deep.yaml', `thingName: t1\nx: ${'['.repeat(MIB / 2 - 20)}${']'.repeat(MIB / 2 - 20)}\n`) },
    { label: '50 MB value (refused unread: over the cap)', path: write('big.yaml', `x: "${'a'.repeat(50 * MIB)}"\n`) },
  ];
};

/** One run: wall time to exit and the child's peak RSS, as Node reports it in an exit hook. */
const measure = (args: ReadonlyArray<string>): { ms: number; rssMb: number } => {
  const hook = join(tmpdir(), `rss-hook-${process.pid}.js`);
  writeFileSync(hook, "process.on('exit', () => process.stderr.write(`\\nMAXRSS ${process.resourceUsage().maxRSS}\\n`));\n");
  const started = performance.now();
  const r = spawnSync(process.execPath, ['-r', hook, MAIN, ...args], { encoding: 'utf8', maxBuffer: 256 * MIB });
  const ms = performance.now() - started;
  const kb = Number(/MAXRSS (\d+)/.exec(r.stderr)?.[1] ?? NaN);
  rmSync(hook, { force: true });
  return { ms, rssMb: kb / 1024 };
};

export const configLoad: Bench = {
  id: 'config-load',
  async run(ctx: Context): Promise<Section> {
    const runs = ctx.quick ? 2 : 5;
    const dir = mkdtempSync(join(tmpdir(), 'bench-config-'));
    try {
      const cases = files(dir);
      const ms = cases.map(() => [] as number[]);
      const rss = cases.map(() => [] as number[]);
      for (let run = 0; run < runs; run++) {
        cases.forEach((c, i) => {
          const m = measure(i === 0 ? ['--help'] : ['--config', c.path]);
          (ms[i] as number[]).push(m.ms);
          (rss[i] as number[]).push(m.rssMb);
        });
        ctx.log(`config-load: run ${run + 1}/${runs}`);
      }
      const rows: Row[] = cases.flatMap((c, i) => [
        { label: `${c.label}: time to exit`, unit: 'ms', summary: summarize(ms[i] as number[]) },
        { label: `${c.label}: peak RSS`, unit: 'MB', summary: summarize(rss[i] as number[]) },
      ]);
      const worstMs = Math.max(...ms.slice(1).map((xs) => summarize(xs).median));
      const worstRss = Math.max(...rss.slice(1).map((xs) => summarize(xs).median));
      return {
        id: this.id,
        title: '7. Hostile configs',
        about: [
          '`node dist/main.js --config FILE` from spawn to exit (status 2, every problem line on stderr) for config files at the 1 MiB cap in the shapes ' +
            'that once cost quadratic time (30,000 keys: 6 s), a stack overflow (an 8 MB InputGpios) or 1.9 GB of memory (a 50 MB value). ' +
            'Peak RSS is the child\'s own `process.resourceUsage().maxRSS`, printed by an exit hook (`node -r`). The first row is `--help`, ' +
            `Node.js with every module of the service loaded: the floor. ${runs} runs.`,
        ],
        tables: [{ rows }],
        targets: [
          { what: 'worst config at the cap: time to exit', goal: '< 5 s', value: `${fmt(worstMs)} ms`, met: worstMs < 5000 },
          { what: 'worst config at the cap: peak RSS', goal: '< 300 MB', value: `${fmt(worstRss)} MB`, met: worstRss < 300 },
        ],
        raw: { ms, rss },
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
