/**
 * Figure 5, start-up: from spawning `node dist/main.js` to its `ready` log line;
 * with --baseline, also the baseline's `dist/main.js` (before).
 */
import { startMosquitto } from './lib/mosquitto';
import { freePort } from '../spec/support/ports';
import { describeBaseline } from './lib/baseline';
import { type Bench, type Context, interleave } from './lib/bench';
import { isReadyLine, MAIN, spawnNode, startService } from './lib/procs';
import { fmt, type Row, type Section } from './lib/report';
import { ratios, summarize } from './lib/stats';

type Variant = 'embedded' | 'mosquitto' | 'node' | 'modules' | 'embedded-before' | 'mosquitto-before';

/** The shipped config.yaml's settings, on the simulated chip. */
const shipped = (mqtt: object) => ({
  thingName: 'my-pi',
  InputGpios: '5,6U,7D',
  OutputGpios: '8H,9,27L',
  InputPollPeriod: 50,
  mqtt,
  gpio: { driver: 'sim' },
});

export const startup: Bench = {
  id: 'startup',
  async run(ctx: Context): Promise<Section> {
    const runs = ctx.quick ? 5 : 10;
    const before = ctx.baseline;
    const variants: Variant[] = ['embedded', 'mosquitto', 'node', 'modules', ...(before !== undefined ? (['embedded-before', 'mosquitto-before'] as const) : [])];
    const broker = await startMosquitto({ tcpNoDelay: false });
    const times = Object.fromEntries(variants.map((v) => [v, [] as number[]])) as Record<Variant, number[]>;
    try {
      for (let run = 0; run < runs; run++) {
        for (const variant of interleave(run, variants)) {
          if (variant === 'node' || variant === 'modules') {
            // Floors: a bare Node.js printing one line; the service loading all its modules, then printing its usage.
            const args = variant === 'node' ? ['-e', 'console.log("ready")'] : [MAIN, '--help'];
            const node = spawnNode(args, {}, args.join(' '));
            const { at } = await node.line(() => true);
            times[variant].push(at - node.spawnedAt);
            await node.exited;
            continue;
          }
          const mqtt = variant.startsWith('embedded') ? { url: 'embedded', port: await freePort() } : { url: broker.url };
          const service = startService(shipped(mqtt), { LOG_LEVEL: 'info' }, [], variant.endsWith('-before') ? before?.main : undefined);
          try {
            const { at } = await service.line(isReadyLine);
            times[variant].push(at - service.spawnedAt);
          } finally {
            await service.stop();
          }
        }
        ctx.log(`start-up: run ${run + 1}/${runs}`);
      }
    } finally {
      await broker.stop();
    }

    const rows: Row[] = [
      { label: 'service, embedded broker (shipped config, simulated chip)', unit: 'ms', summary: summarize(times.embedded) },
      { label: 'service, Mosquitto', unit: 'ms', summary: summarize(times.mosquitto) },
      { label: 'floor: `node -e \'console.log("ready")\'`', unit: 'ms', summary: summarize(times.node) },
      { label: 'floor: `node dist/main.js --help` (Node.js and every module of the service loaded)', unit: 'ms', summary: summarize(times.modules) },
    ];
    return {
      id: this.id,
      title: '5. Start-up',
      about: [
        'Wall time from `spawn()` of `node dist/main.js --config FILE` to the moment the harness reads its `ready` log line ' +
          '(connected and subscribed), with the shipped `config.yaml`\'s pins and period on the simulated chip (`LOG_LEVEL` at its default, info): ' +
          'once with the embedded broker (on a free port), once with a Mosquitto already running (as installed). After each start the service is stopped ' +
          'with SIGTERM and waited for. Two floors, measured the same way to their first line: a bare Node.js printing one line, and ' +
          '`node dist/main.js --help`, which loads every module of the service (main.ts imports them all, the embedded broker\'s too) ' +
          'and prints its usage. Start to ready minus the second floor is reading the config, opening the driver, connecting and subscribing. ' +
          `${runs} runs, the ${before !== undefined ? 'six' : 'four'} in rotating order.`,
        ...(before !== undefined
          ? [
              `**Before**: the same two starts with the service of commit ${describeBaseline(before)}, built on the side ` +
                '(`node .tmp/bench-baseline/<sha>/dist/main.js`), in every run with the four others; **after** is the service above. ' +
                'After / before is computed run by run.',
            ]
          : []),
      ],
      tables: [
        { rows },
        ...(before !== undefined
          ? [
              {
                caption: `Before (\`${before.short}\`), and after / before run by run:`,
                rows: [
                  { label: `before (${before.short}), embedded broker`, unit: 'ms', summary: summarize(times['embedded-before']) },
                  { label: `before (${before.short}), Mosquitto`, unit: 'ms', summary: summarize(times['mosquitto-before']) },
                  { label: 'start to ready after / before, embedded broker', unit: '×', summary: summarize(ratios(times.embedded, times['embedded-before'])) },
                  { label: 'start to ready after / before, Mosquitto', unit: '×', summary: summarize(ratios(times.mosquitto, times['mosquitto-before'])) },
                ],
              },
            ]
          : []),
      ],
      targets: (['embedded', 'mosquitto'] as const).map((v, i) => ({
        what: `start to ready, ${v === 'embedded' ? 'embedded broker' : 'Mosquitto'}`,
        goal: '< 500 ms',
        value: `${fmt((rows[i] as Row).summary.median)} ms`,
        met: (rows[i] as Row).summary.median < 500,
      })),
      raw: times,
    };
  },
};
