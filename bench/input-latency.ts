/**
 * Figure 3, input latency: an input's level changes on the (stand-in) chip;
 * how long until its state message reaches a subscriber.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import mqtt from 'mqtt';
import { startMosquitto } from './lib/mosquitto';
import { type Bench, type Context } from './lib/bench';
import { createStandin, disposeStandin, sleep, startService } from './lib/procs';
import { fmt, type Section, type Target } from './lib/report';
import { percentile, summarize, type Summary } from './lib/stats';

const PIN = 5;
const PERIODS = [1, 50] as const;
const TOPIC = `gpio/t/${PIN}/state`;

export const inputLatency: Bench = {
  id: 'input-latency',
  async run(ctx: Context): Promise<Section> {
    const P = ctx.quick ? { runs: 5, samples: { 1: 40, 50: 10 } } : { runs: 5, samples: { 1: 200, 50: 200 } };
    const broker = await startMosquitto({ tcpNoDelay: false });
    const standin = await createStandin();
    const subscriber = await mqtt.connectAsync(broker.url, { clientId: `bench-sub-${randomBytes(5).toString('hex')}` });
    let onState: (payload: string, at: number) => void = () => undefined;
    subscriber.on('message', (_topic, payload) => onState(payload.toString(), performance.now()));
    await subscriber.subscribeAsync(TOPIC, { qos: 1 });
    const waitFor = (level: string, timeoutMs = 5_000): Promise<number> =>
      new Promise((ok, fail) => {
        const timer = setTimeout(() => fail(new Error(`no state ${level} on ${TOPIC} within ${timeoutMs} ms`)), timeoutMs);
        onState = (payload, at) => {
          if (payload !== level) return;
          clearTimeout(timer);
          onState = () => undefined;
          ok(at);
        };
      });

    const latencies = new Map<number, number[][]>(PERIODS.map((p) => [p, []]));
    try {
      for (let run = 0; run < P.runs; run++) {
        for (const periodMs of run % 2 === 0 ? PERIODS : [...PERIODS].reverse()) {
          standin.setLevel('gpiochip0', PIN, 0);
          const first = waitFor('0', 15_000);
          const service = startService(
            { thingName: 't', InputGpios: String(PIN), InputPollPeriod: periodMs, mqtt: { url: broker.url }, gpio: { driver: 'libgpiod' } },
            { ...standin.env(), LOG_LEVEL: 'warn' },
          );
          try {
            await first; // the first sample: the service polls and publishes
            const samples: number[] = [];
            let level: 0 | 1 = 0;
            for (let i = 0; i < P.samples[periodMs]; i++) {
              // A random pause, so that changes are not phase-locked to the poll.
              await sleep(Math.random() * Math.max(periodMs, 2));
              level = level === 0 ? 1 : 0;
              const arrived = waitFor(String(level));
              const changedAt = performance.now();
              standin.setLevel('gpiochip0', PIN, level);
              samples.push((await arrived) - changedAt);
            }
            latencies.get(periodMs)?.push(samples);
          } finally {
            await service.stop();
          }
        }
        ctx.log(`input latency: run ${run + 1}/${P.runs}`);
      }
    } finally {
      await subscriber.endAsync(true);
      await broker.stop();
      await disposeStandin(standin);
    }

    const rows = [];
    const targets: Target[] = [];
    const cells: Array<Array<string | Summary>> = [];
    for (const periodMs of PERIODS) {
      const runs = latencies.get(periodMs) ?? [];
      const p50 = summarize(runs.map((s) => percentile(s, 50)));
      const p99 = summarize(runs.map((s) => percentile(s, 99)));
      const all = runs.flat();
      rows.push(
        { label: `${periodMs} ms period: p50`, unit: 'ms', summary: p50 },
        { label: `${periodMs} ms period: p99`, unit: 'ms', summary: p99 },
        { label: `${periodMs} ms period: max`, unit: 'ms', summary: summarize(runs.map((s) => Math.max(...s))) },
      );
      cells.push([`${periodMs} ms`, String(all.length), fmt(percentile(all, 50)), fmt(percentile(all, 90)), fmt(percentile(all, 99)), fmt(Math.max(...all))]);
      targets.push({ what: `${periodMs} ms period: p99 latency`, goal: `≤ ${periodMs + 2} ms (period + 2 ms)`, value: `${fmt(p99.median)} ms`, met: p99.median <= periodMs + 2 });
    }

    return {
      id: this.id,
      title: '3. Input latency',
      about: [
        'From an input level change to its state message at a subscriber. The service (`node dist/main.js`, `gpio.driver: libgpiod` ' +
          'over node-libgpiod and the libgpiod stand-in, `LOG_LEVEL=warn`) polls one input (GPIO 5) and publishes to a Mosquitto started by ' +
          'the harness (as installed: `set_tcp_nodelay false`), at the default QoS 1. The harness subscribes to `gpio/t/5/state`, then repeatedly flips the line\'s level with ' +
          '`standin.setLevel` (one write to the shared state file, seen by the next read), records the time, and waits for the state ' +
          'message carrying the new level. Before each change it pauses a random 0..max(period, 2 ms), so the changes are not phase-locked to the poll.',
        `A run is one fresh service: ${P.samples[1]} changes at 1 ms, ${P.samples[50]} at 50 ms; ${P.runs} runs, the periods in alternating order. ` +
          'p50 and p99 are per run, then summarised over the runs. Expect p50 ≈ period / 2 + the MQTT path, and p99 ≈ period + the MQTT path.',
      ],
      tables: [
        { caption: 'Per run, then median, min and max over the runs:', rows },
        {
          caption: 'Every sample of every run pooled, ms:',
          columns: ['period', 'samples', 'p50', 'p90', 'p99', 'max'],
          cells,
        },
      ],
      targets,
      raw: Object.fromEntries(latencies),
    };
  },
};
