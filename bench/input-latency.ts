/**
 * Figure 3, input latency: an input's level changes on the (stand-in) chip;
 * how long until its state message reaches a subscriber. Polled inputs at
 * two periods, and an edge-triggered input (its poll period set to a second,
 * which it must not depend on).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { parseDrive } from '../spec/support/gpiod-standin';
import { performance } from 'node:perf_hooks';
import mqtt from 'mqtt';
import { startMosquitto } from './lib/mosquitto';
import { type Bench, type Context, interleave } from './lib/bench';
import { createStandin, disposeStandin, sleep, startService } from './lib/procs';
import { fmt, type Section, type Target } from './lib/report';
import { percentile, summarize, type Summary } from './lib/stats';

const PIN = 5;
/** The modes measured: polled at 1 and 50 ms, and edge-triggered (with a 1 s poll period it ignores). */
type Mode = 1 | 50 | 'edge';
const PERIODS: ReadonlyArray<Mode> = [1, 50, 'edge'];
const EDGE_POLL_MS = 1000;
/** Between two edges of the edge-triggered run: far apart enough that each is answered alone. */
const EDGE_SPACING_US = 5_000;
const EDGE_WARMUP = 10;
const TOPIC = `gpio/t/${PIN}/state`;
const run$ = promisify(execFile);
const label = (m: Mode): string => (m === 'edge' ? `edge (poll period ${EDGE_POLL_MS} ms)` : `${m} ms period`);

export const inputLatency: Bench = {
  id: 'input-latency',
  async run(ctx: Context): Promise<Section> {
    const P = ctx.quick ? { runs: 5, samples: { 1: 40, 50: 10, edge: 40 } } : { runs: 5, samples: { 1: 200, 50: 200, edge: 200 } };
    const broker = await startMosquitto({ tcpNoDelay: false });
    const standin = await createStandin();
    const subscriber = await mqtt.connectAsync(broker.url, { clientId: `bench-sub-${randomBytes(5).toString('hex')}` });
    let onState: (payload: string, at: number, atNs: bigint) => void = () => undefined;
    subscriber.on('message', (_topic, payload) => onState(payload.toString(), performance.now(), process.hrtime.bigint()));
    await subscriber.subscribeAsync([TOPIC, `gpio/t/${PIN}/event`], { qos: 1 });
    const waitForBoth = (level: string, timeoutMs = 5_000): Promise<{ at: number; atNs: bigint }> =>
      new Promise((ok, fail) => {
        const timer = setTimeout(() => fail(new Error(`no state ${level} on ${TOPIC} within ${timeoutMs} ms`)), timeoutMs);
        onState = (payload, at, atNs) => {
          if (payload !== level) return;
          clearTimeout(timer);
          onState = () => undefined;
          ok({ at, atNs });
        };
      });
    const waitFor = (level: string, timeoutMs = 5_000): Promise<number> => waitForBoth(level, timeoutMs).then((a) => a.at);

    const latencies = new Map<Mode, number[][]>(PERIODS.map((p) => [p, []]));
    try {
      for (let run = 0; run < P.runs; run++) {
        for (const periodMs of interleave(run, PERIODS)) {
          standin.setLevel('gpiochip0', PIN, 0);
          const first = waitFor('0', 15_000);
          const service = startService(
            periodMs === 'edge'
              ? { thingName: 't', pins: [{ pin: PIN, direction: 'input', edge: 'both', events: true }], InputPollPeriod: EDGE_POLL_MS, mqtt: { url: broker.url }, gpio: { driver: 'libgpiod' } }
              : { thingName: 't', InputGpios: String(PIN), InputPollPeriod: periodMs, mqtt: { url: broker.url }, gpio: { driver: 'libgpiod' } },
            { ...standin.env(), LOG_LEVEL: 'warn' },
          );
          try {
            await first; // the first sample: the service polls and publishes
            const samples: number[] = [];
            let level: 0 | 1 = 0;
            if (periodMs === 'edge') {
              // One run of the stand-in's C drive tool makes every change, EDGE_SPACING_US apart, each stamped with
              // CLOCK_MONOTONIC right after the change (as the kernel stamps an edge); the service publishes each
              // edge's stamp on the event topic, and the state's arrival here is stamped with the same clock.
              // The first edges of a fresh process run cold (V8 compiles the path on them): EDGE_WARMUP more, not counted.
              const n = P.samples.edge + EDGE_WARMUP;
              const states: bigint[] = [];
              const stamps: bigint[] = [];
              const done = new Promise<void>((ok, fail) => {
                const timer = setTimeout(() => fail(new Error(`edge run: ${states.length} states, ${stamps.length} events of ${n}`)), 30_000);
                onState = (payload, _at, atNs) => {
                  if (payload.startsWith('{')) stamps.push(BigInt((JSON.parse(payload) as { timestampNs: string }).timestampNs));
                  else states.push(atNs);
                  if (states.length >= n && stamps.length >= n) {
                    clearTimeout(timer);
                    onState = () => undefined;
                    ok();
                  }
                };
              });
              const cmd = standin.driveCommand('gpiochip0', PIN, 1, n, EDGE_SPACING_US);
              const out = await run$(cmd.file, cmd.args, { env: { ...process.env, ...cmd.env }, encoding: 'utf8' });
              const drove = parseDrive(out.stdout);
              if (drove.dropped > 0) throw new Error(`edge run: the stand-in dropped ${drove.dropped} edges`);
              await done;
              for (let i = EDGE_WARMUP; i < n; i++) samples.push(Number((states[i] as bigint) - (stamps[i] as bigint)) / 1e6);
              latencies.get(periodMs)?.push(samples);
              continue;
            }
            for (let i = 0; i < P.samples[periodMs]; i++) {
              level = level === 0 ? 1 : 0;
              // A random pause, so that changes are not phase-locked to the poll.
              await sleep(Math.random() * Math.max(periodMs, 2));
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
        { label: `${label(periodMs)}: p50`, unit: 'ms', summary: p50 },
        { label: `${label(periodMs)}: p99`, unit: 'ms', summary: p99 },
        { label: `${label(periodMs)}: max`, unit: 'ms', summary: summarize(runs.map((s) => Math.max(...s))) },
      );
      cells.push([label(periodMs), String(all.length), fmt(percentile(all, 50)), fmt(percentile(all, 90)), fmt(percentile(all, 99)), fmt(Math.max(...all))]);
      const limit = periodMs === 'edge' ? 2 : periodMs + 2;
      targets.push({
        what: `${label(periodMs)}: p99 latency`,
        goal: periodMs === 'edge' ? '≤ 2 ms, whatever the poll period' : `≤ ${limit} ms (period + 2 ms)`,
        value: `${fmt(p99.median)} ms`,
        met: p99.median <= limit,
      });
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
        '**Edge-triggered** (`pins: [{pin: 5, direction: input, edge: both, events: true}]`, `InputPollPeriod: 1000`, which an edge input ignores): one run ' +
          `of the stand-in's C drive tool (\`standin.driveCommand\`) makes every change, ${EDGE_SPACING_US / 1000} ms apart; for each it changes the level and queues ` +
          'the edge on the line\'s event fd as uAPI v1 does, stamped with CLOCK_MONOTONIC right after the change, as the kernel stamps it. The service publishes ' +
          'that stamp on the event topic; the latency is from it to the state message\'s arrival at the harness (`process.hrtime`, the same clock), pairing the ' +
          `n-th state with the n-th event; the first ${EDGE_WARMUP} edges of each run warm the process up and are not counted. ` + 'It includes waking the service through libuv, our addon\'s read through libgpiod 1.x\'s event API, the stream ' +
          '(edges to levels, debounce, fan-out to state and event) and the MQTT path.',
        `A run is one fresh service per mode: ${P.samples[1]} changes at 1 ms, ${P.samples[50]} at 50 ms, ${P.samples.edge} edge-triggered; ${P.runs} runs, ` +
          'the modes in rotating order. p50 and p99 are per run, then summarised over the runs. Expect p50 ≈ period / 2 + the MQTT path and p99 ≈ period + ' +
          'the MQTT path when polled; the MQTT path alone with edges.',
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
