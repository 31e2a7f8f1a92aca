/**
 * Figure 4, memory: the service's resident memory at idle, under a long run
 * of write requests, and after.
 */
import { performance } from 'node:perf_hooks';
import { startMosquitto } from './lib/mosquitto';
import { type Bench, type Context } from './lib/bench';
import { peakRssKb, rssKb, sleep, startService } from './lib/procs';
import { fmt, type Section } from './lib/report';
import { connectRequesters } from './lib/requesters';
import { median, summarize } from './lib/stats';

const INPUTS = Array.from({ length: 14 }, (_, i) => i); // 0..13
const OUTPUTS = Array.from({ length: 14 }, (_, i) => 14 + i); // 14..27
const REQUESTERS = 4;
const WINDOW = 16; // writes in flight per requester

const mib = (kb: number) => kb / 1024;

/** RSS `n` times, `everyMs` apart. */
const sampleRss = async (pid: number, n: number, everyMs: number): Promise<number[]> => {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    if (i > 0) await sleep(everyMs);
    out.push(mib(rssKb(pid)));
  }
  return out;
};

export const memory: Bench = {
  id: 'memory',
  async run(ctx: Context): Promise<Section> {
    const P = ctx.quick
      ? { requests: 50_000, settleMs: 300, sampleEveryMs: 250, idleEveryMs: 100 }
      : { requests: 1_000_000, settleMs: 3000, sampleEveryMs: 1000, idleEveryMs: 200 };
    const broker = await startMosquitto({ tcpNoDelay: false });
    const service = startService(
      {
        thingName: 't',
        InputGpios: INPUTS.join(','),
        OutputGpios: OUTPUTS.join(','),
        mqtt: { url: broker.url },
        gpio: { driver: 'sim' },
      },
      { LOG_LEVEL: 'warn' },
      // V8 prints every GC on stdout; the JS heap after each full (mark-compact) GC tells retained memory from garbage not yet collected.
      ['--trace-gc'],
    );
    const pid = service.pid;
    const fullGcs: Array<{ answered: number; heapAfterMB: number; reason: string }> = [];
    let answered = 0;
    service.onLine((line) => {
      const m = /Mark-Compact( \(reduce\))? [\d.]+ \([\d.]+\) -> ([\d.]+) \([\d.]+\) MB/.exec(line);
      if (m !== null) fullGcs.push({ answered, heapAfterMB: Number(m[2]), reason: m[1] !== undefined ? 'reduce' : '' });
    });
    try {
      // Requester i writes outputs 14+i, 18+i, 22+i, 26+i (those that exist) in turn: all 14 outputs see traffic.
      const requesters = await connectRequesters(REQUESTERS, broker.url, 1, (i) => OUTPUTS.filter((_, j) => j % REQUESTERS === i));
      await Promise.all(requesters.map((r) => r.probe()));
      await sleep(P.settleMs);
      const idle = await sampleRss(pid, 5, P.idleEveryMs);
      ctx.log(`memory: idle ${fmt(median(idle))} MiB; sending ${P.requests} requests`);

      const during: Array<{ answered: number; seconds: number; rssMiB: number }> = [];
      const gcsBefore = fullGcs.length;
      const began = performance.now();
      const sampler = setInterval(() => {
        during.push({ answered, seconds: (performance.now() - began) / 1000, rssMiB: mib(rssKb(pid)) });
        if (during.length % 10 === 0) ctx.log(`memory: ${answered} answered, RSS ${fmt(mib(rssKb(pid)))} MiB`);
      }, P.sampleEveryMs);
      const share = Math.ceil(P.requests / REQUESTERS);
      const outcome = await Promise.all(requesters.map((r) => r.pipelined(share, WINDOW, () => (answered += 1))));
      clearInterval(sampler);
      const gcsInLoad = fullGcs.slice(gcsBefore);
      const loadSeconds = (performance.now() - began) / 1000;
      during.push({ answered, seconds: loadSeconds, rssMiB: mib(rssKb(pid)) });
      const sent = outcome.reduce((n, o) => n + o.sent, 0);
      const peak = mib(peakRssKb(pid));
      for (const r of requesters) await r.end();

      await sleep(P.settleMs);
      const after = await sampleRss(pid, 5, P.idleEveryMs);

      // The leak indicator: RSS over the second half of the load, where the heap has long reached its working size.
      const q2 = during.filter((s) => s.answered > sent * 0.25 && s.answered <= sent * 0.5).map((s) => s.rssMiB);
      const q4 = during.filter((s) => s.answered > sent * 0.75).map((s) => s.rssMiB);
      const lateGrowth = median(q4) - median(q2);
      const noise = Math.max(1, Math.max(...q2) - Math.min(...q2));
      const growth = median(after) - median(idle);

      const idleS = summarize(idle);
      const loadGcs = fullGcs.slice(gcsBefore);
      const heapLine =
        loadGcs.length === 0
          ? 'V8 ran no full (mark-compact) GC during the load or after it: the JS heap only grew, and what it holds was not sorted into live and garbage.'
          : `JS heap after each full (mark-compact) GC from the start of the load (answered requests: MB after): ${loadGcs
              .map((g) => `${g.answered.toLocaleString('en-US')}: ${fmt(g.heapAfterMB)}${g.reason ? ' (reduce)' : ''}`)
              .join(', ')}. Before the load: ${fullGcs.slice(0, gcsBefore).map((g) => fmt(g.heapAfterMB)).join(', ') || 'none'}.`;
      const afterS = summarize(after);
      // Live data only: what each full GC left. A leak shows as a climb here whatever V8's sizing does to RSS.
      const heapDrift =
        gcsInLoad.length >= 2 ? (gcsInLoad[gcsInLoad.length - 1] as { heapAfterMB: number }).heapAfterMB - (gcsInLoad[0] as { heapAfterMB: number }).heapAfterMB : undefined;
      return {
        id: this.id,
        title: '4. Memory',
        about: [
          'Resident memory (VmRSS from `/proc/<pid>/status`) of the service (`node dist/main.js`, simulated chip, 14 inputs 0–13 polled ' +
            'every 50 ms, 14 outputs 14–27, Mosquitto as installed, the default QoS 1, `LOG_LEVEL=warn`).',
          `Idle: ${fmt(P.settleMs)} ms after start-up, 5 samples ${P.idleEveryMs} ms apart. Load: ${P.requests.toLocaleString('en-US')} write requests ` +
            `(alternating 0/1 per pin) from ${REQUESTERS} pipelined MQTT.js requesters, each keeping ${WINDOW} requests in flight and writing ` +
            `its share of the 14 outputs in turn; RSS sampled every ${P.sampleEveryMs} ms. After: ${fmt(P.settleMs)} ms after the last answer, ` +
            `5 samples ${P.idleEveryMs} ms apart. This figure is one long run; its "runs" are the samples. The service runs with \`node --trace-gc\`, ` +
            'so that the JS heap left after each full GC (live data only) can be told from garbage V8 has not collected yet.',
          '"no growth beyond noise": the heap grows to its working size at the start of the load (that is not a leak), so the target is ' +
            'judged on the second half of the load: the median RSS of the last quarter minus that of the second quarter, against the ' +
            'noise (the spread of the second quarter\'s samples, at least 1 MiB). The JS heap left by each full GC during the load ' +
            'is the second, direct test: live data should stay flat.',
        ],
        tables: [
          {
            rows: [
              { label: 'idle', unit: 'MiB', summary: idleS },
              { label: `after ${sent.toLocaleString('en-US')} requests (settled)`, unit: 'MiB', summary: afterS },
              { label: 'during the load', unit: 'MiB', summary: summarize(during.map((s) => s.rssMiB)) },
            ],
          },
          {
            columns: ['quantity', 'value'],
            cells: [
              ['growth, after − idle (medians)', `${fmt(growth)} MiB`],
              ['growth over the second half of the load (last quarter − second quarter, medians)', `${fmt(lateGrowth)} MiB`],
              ['noise (spread of the second quarter\'s samples, ≥ 1 MiB)', `${fmt(noise)} MiB`],
              ['peak RSS (VmHWM)', `${fmt(peak)} MiB`],
              [
                'JS heap after full GC during the load: first → last',
                gcsInLoad.length === 0
                  ? 'no full GC ran'
                  : `${fmt((gcsInLoad[0] as { heapAfterMB: number }).heapAfterMB)} → ${fmt((gcsInLoad[gcsInLoad.length - 1] as { heapAfterMB: number }).heapAfterMB)} MB (${gcsInLoad.length} full GCs)`,
              ],
              ['requests sent / answered', `${sent.toLocaleString('en-US')} / ${answered.toLocaleString('en-US')}`],
              ['load duration', `${fmt(loadSeconds)} s (${fmt(answered / loadSeconds)} answers/s)`],
            ],
          },
        ],
        targets: [
          {
            what: 'RSS growth over the second half of the load',
            goal: `≤ noise (${fmt(noise)} MiB)`,
            value: `${fmt(lateGrowth)} MiB${gcsInLoad.length === 0 ? ' (inconclusive: V8 ran no full GC during the load)' : ''}`,
            met: lateGrowth <= noise,
          },
          ...(heapDrift === undefined
            ? []
            : [
                {
                  what: 'JS heap after full GC, last − first during the load',
                  goal: '≤ 1 MB',
                  value: `${fmt(heapDrift)} MB (${gcsInLoad.length} full GCs)`,
                  met: heapDrift <= 1,
                },
              ]),
        ],
        notes: [
          `RSS during the load (answered requests: MiB): ${during.map((s) => `${s.answered.toLocaleString('en-US')}: ${fmt(s.rssMiB)}`).join(', ')}.`,
          `Idle samples: ${idle.map(fmt).join(', ')} MiB. After: ${after.map(fmt).join(', ')} MiB.`,
          heapLine,
        ],
        raw: { idle, after, during, sent, answered, peak, loadSeconds, fullGcs },
      };
    } finally {
      await service.stop();
      await broker.stop();
    }
  },
};
