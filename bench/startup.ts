/**
 * Figure 5, start-up: from spawning `node dist/main.js` to its `ready` log line.
 */
import { startMosquitto } from './lib/mosquitto';
import { freePort } from '../spec/support/ports';
import { type Bench, type Context } from './lib/bench';
import { isReadyLine, MAIN, spawnNode, startService } from './lib/procs';
import { fmt, type Row, type Section } from './lib/report';
import { summarize } from './lib/stats';

const VARIANTS = ['embedded', 'mosquitto', 'node', 'modules'] as const;
type Variant = (typeof VARIANTS)[number];

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
    const broker = await startMosquitto({ tcpNoDelay: false });
    const times: Record<Variant, number[]> = { embedded: [], mosquitto: [], node: [], modules: [] };
    try {
      for (let run = 0; run < runs; run++) {
        for (let k = 0; k < VARIANTS.length; k++) {
          const variant = VARIANTS[(k + run) % VARIANTS.length] as Variant;
          if (variant === 'node' || variant === 'modules') {
            // Floors: a bare Node.js printing one line; the service loading all its modules, then printing its usage.
            const args = variant === 'node' ? ['-e', 'console.log("ready")'] : [MAIN, '--help'];
            const node = spawnNode(args, {}, args.join(' '));
            const { at } = await node.line(() => true);
            times[variant].push(at - node.spawnedAt);
            await node.exited;
            continue;
          }
          const mqtt = variant === 'embedded' ? { url: 'embedded', port: await freePort() } : { url: broker.url };
          const service = startService(shipped(mqtt), { LOG_LEVEL: 'info' });
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
          `${runs} runs, the four in rotating order.`,
      ],
      tables: [{ rows }],
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
