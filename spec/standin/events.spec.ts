/**
 * The stand-in's edge events (libgpiod 1.6 on uAPI v1): an event request per
 * line with its own fd, edges raised by whoever pulls the line (the C drive
 * tool, in another process), stamped with CLOCK_MONOTONIC when the level
 * changes, filtered by the request's edges, logical on an active-low line, and
 * a 16-event queue that drops the NEW event when full. Read in a child through
 * libgpiod's own event API, called by our addon (lgRequestEdges ...), and
 * through node-libgpiod where it reaches.
 */
import * as fs from 'node:fs';
import * as E from 'fp-ts/Either';
import { nativeAddonPath } from '../../src/adapters/gpio/native/addon';
import { parseDrive, RequestFlag } from '../support/gpiod-standin';
import { PI, child, disposeAll, standin } from './helpers';

jest.setTimeout(30_000);
afterEach(disposeAll);

const C = 'gpiochip0';
/** The file the loader picks: a source build, or the prebuilt one for this platform. */
const ADDON = E.getOrElse((why: string): string => {
  throw new Error(why);
})(nativeAddonPath());

interface Ev {
  rising: boolean;
  offset: number;
  ns: string;
}

/** Child prelude: our addon, and events as JSON (bigint timestamps as strings). */
const LG = `
const a = require(${JSON.stringify(ADDON)});
const { execFile, execFileSync } = require('node:child_process');
const evs = (list) => list.map((e) => ({ rising: e.rising, offset: e.offset, ns: String(e.timestampNs) }));
`;

const dirs = (events: Ev[]): string => events.map((e) => (e.rising ? 'R' : 'F')).join('');

beforeAll(() => {
  if (!fs.existsSync(ADDON)) throw new Error(`${ADDON} is missing: run npm install`);
});

describe('edge events of the stand-in', () => {
  it('gives each line its own event fd, read by the reader thread once another process raises an edge, which wakes the event loop; stamped inside the drive', async () => {
    const s = await standin([PI]);
    const drive = s.driveCommand(C, 5, 1);
    const got = await child<{ fds: number[]; before: Ev[]; woke: number; events: Ev[]; drive: string; after: Ev[] }>(s, `${LG}
      const h = a.lgRequestEdges('gpiochip0', [5, 6], [0, 0], 'rpi-gpio-connector');
      const fds = a.lgFds(h);
      const before = evs(a.lgReadEvents(h, 0));
      let woke = 0;
      const r = a.readerStart(fds, [5, 6], 1, () => {
        woke += 1;
        const events = evs(a.readerTake(r));
        a.readerStop(r);
        out({ fds, before, woke, events, drive: driven, after: evs(a.lgReadEvents(h, 0)) });
        a.lgRelease(h);
      });
      let driven = '';
      // The edge comes from another process while this one waits on its event loop.
      execFile(${JSON.stringify(drive.file)}, ${JSON.stringify(drive.args)}, { env: { ...process.env, ...${JSON.stringify(drive.env)} } },
        (err, stdout) => { if (err) throw err; driven = stdout; });
    `);
    expect(got.fds).toHaveLength(2);
    expect(got.fds[0]).not.toBe(got.fds[1]);
    expect(got.before).toEqual([]);
    expect(got.woke).toBe(1);
    expect(got.events).toEqual([{ rising: true, offset: 5, ns: expect.any(String) }]);
    expect(got.after).toEqual([]);
    // The child's callback may run before the tool's output arrives; the state says what it did.
    expect(s.line(C, 5)).toMatchObject({ level: 1, events: 'both', queued: 1, dropped: 0, requested: false });
    const lines = s.events();
    expect(lines.find((l) => l.startsWith('request') && l.includes('offset=5'))).toMatch(/type=both-edges flags=0x0 .*consumer=rpi-gpio-connector$/);
    expect(lines.find((l) => l.startsWith('drive'))).toMatch(/^drive chip=gpiochip0 offset=5 edges=1 queued=1 dropped=0 /);
  });

  it('queues every edge in order with monotonic timestamps inside the drive window, 16 at most: a burst drops the NEWEST', async () => {
    const s = await standin([PI]);
    const drive = s.driveCommand(C, 5, 1, 41); // 41 changes from low: R F R ... R
    const got = await child<{ events: Ev[]; drive: string; again: Ev[] }>(s, `${LG}
      const h = a.lgRequestEdges('gpiochip0', [5], [0], 'rpi-gpio-connector');
      const drive = execFileSync(${JSON.stringify(drive.file)}, ${JSON.stringify(drive.args)}, { env: { ...process.env, ...${JSON.stringify(drive.env)} }, encoding: 'utf8' });
      const events = evs(a.lgReadEvents(h, 0));
      out({ events, drive, again: evs(a.lgReadEvents(h, 0)) });
    `);
    const d = parseDrive(got.drive);
    expect(d).toMatchObject({ edges: 41, queued: 16, dropped: 25 });
    expect(dirs(got.events)).toBe('RF'.repeat(8));
    const ns = got.events.map((e) => BigInt(e.ns));
    // The first 16 changes kept: the first is stamped when the drive began; the last change's stamp is not among them.
    expect(ns[0]).toBe(d.firstNs);
    for (let i = 1; i < ns.length; i++) expect(ns[i]! > ns[i - 1]!).toBe(true);
    expect(ns[ns.length - 1]! < d.lastNs).toBe(true);
    expect(got.again).toEqual([]);
    expect(s.line(C, 5)).toMatchObject({ level: 1, queued: 16, dropped: 25 });
  });

  it('raises only the edges a request asks for, and logical ones on an active-low line', async () => {
    const s = await standin([PI]);
    const cmd = (offset: number) => s.driveCommand(C, offset, 1, 6);
    const got = await child<{ rising: Ev[]; falling: Ev[]; activeLow: Ev[]; levels: number[] }>(s, `${LG}
      const rising = a.lgRequestEdges('gpiochip0', [7], [0], 'app', 'rising');
      const falling = a.lgRequestEdges('gpiochip0', [8], [0], 'app', 'falling');
      const low = a.lgRequestEdges('gpiochip0', [9], [${RequestFlag.ACTIVE_LOW}], 'app');
      for (const c of ${JSON.stringify([cmd(7), cmd(8), s.driveCommand(C, 9, 1)])})
        execFileSync(c.file, c.args, { env: { ...process.env, ...c.env } });
      out({ rising: evs(a.lgReadEvents(rising, 0)), falling: evs(a.lgReadEvents(falling, 0)), activeLow: evs(a.lgReadEvents(low, 0)),
            levels: [a.lgGetValue(rising, 0), a.lgGetValue(low, 0)] });
    `);
    expect(dirs(got.rising)).toBe('RRR');
    expect(dirs(got.falling)).toBe('FFF');
    // Physically high is inactive on an active-low line: a falling edge, and it reads 0.
    expect(dirs(got.activeLow)).toBe('F');
    expect(got.levels).toEqual([0, 0]);
    expect(s.line(C, 7)).toMatchObject({ events: 'rising', queued: 3 });
    expect(s.line(C, 9)).toMatchObject({ events: 'both', flags: expect.objectContaining({ activeLow: true }) });
  });

  it('closes the event fd on release and drops its queue: a new request starts empty, and another process meets EBUSY while it is held', async () => {
    const s = await standin([PI]);
    const three = s.driveCommand(C, 5, 1, 3);
    const got = await child<{ busy: string; fdOpenAfter: boolean; fifoAfter: boolean; next: Ev[]; fifo: boolean }>(s, `${LG}
      const fs = require('node:fs');
      const h = a.lgRequestEdges('gpiochip0', [5], [0], 'rpi-gpio-connector');
      const [fd] = a.lgFds(h);
      const fifo = ${JSON.stringify(`${s.stateFile}.events.${C}.5`)};
      const had = fs.existsSync(fifo);
      execFileSync(${JSON.stringify(three.file)}, ${JSON.stringify(three.args)}, { env: { ...process.env, ...${JSON.stringify(three.env)} } });
      // Another chip object (as another process would): the line is busy.
      const busy = codeOf(() => a.lgRequestEdges('gpiochip0', [5], [0], 'other'));
      a.lgRelease(h);
      let fdOpenAfter = true;
      try { fs.fstatSync(fd); } catch (e) { fdOpenAfter = e.code !== 'EBADF'; }
      const fifoAfter = fs.existsSync(fifo);
      const h2 = a.lgRequestEdges('gpiochip0', [5], [0], 'rpi-gpio-connector');
      out({ busy, fdOpenAfter, fifoAfter, next: evs(a.lgReadEvents(h2, 0)), fifo: had });
      a.lgRelease(h2);
    `);
    expect(got).toEqual({ busy: 'EBUSY', fdOpenAfter: false, fifoAfter: false, next: [], fifo: true });
    expect(s.line(C, 5)).toMatchObject({ requests: 2, releases: 2, queued: 0, requested: false });
  });

  it('releases the lines requested before one that fails, with the errno of the failure and its offset', async () => {
    const s = await standin([PI]);
    s.hold(C, 6, 'pigpiod');
    const got = await child<Array<{ code: string; offset: number; syscall: string }>>(s, `${LG}
      const tried = [];
      for (const edges of ['both', 'rising', 'falling']) {
        try { a.lgRequestEdges('gpiochip0', [5, 6], [0, 0], 'rpi-gpio-connector', edges); tried.push({}); }
        catch (e) { tried.push({ code: e.code, offset: e.offset, syscall: e.syscall }); }
      }
      out(tried);
    `);
    // Each failure names the libgpiod call that failed: the one for the edges asked.
    expect(got).toEqual([
      { code: 'EBUSY', offset: 6, syscall: 'gpiod_line_request_both_edges_events_flags' },
      { code: 'EBUSY', offset: 6, syscall: 'gpiod_line_request_rising_edge_events_flags' },
      { code: 'EBUSY', offset: 6, syscall: 'gpiod_line_request_falling_edge_events_flags' },
    ]);
    expect(s.line(C, 5)).toMatchObject({ requested: false, requests: 3, releases: 3 });
  });

  it('through node-libgpiod: a line requested for events reads its own level and refuses writes (EINVAL, as a lineevent fd)', async () => {
    const s = await standin([PI]);
    s.setLevel(C, 4, 1);
    const got = await child<{ value: number; write: string; rising: string }>(s, `
      const chip = new g.Chip('gpiochip0');
      const line = new g.Line(chip, 4);
      line.lineRequest({ consumer: 'app', requestType: 6, flags: 0 });
      const rising = new g.Line(chip, 10);
      out({ value: line.getValue(), write: codeOf(() => line.setValue(0)), rising: codeOf(() => rising.requestRisingEdgeEvents('app')) });
      line.release(); rising.release();
    `);
    expect(got).toEqual({ value: 1, write: 'EINVAL', rising: 'ok' });
    expect(s.line(C, 10)).toMatchObject({ events: 'rising', direction: 'input', requested: false });
  });

  it('setLevel on a line without an event request changes only the level; a burst on it queues nothing', async () => {
    const s = await standin([PI]);
    s.setLevel(C, 12, 1);
    expect(s.line(C, 12)).toMatchObject({ level: 1, queued: 0 });
    expect(s.events().some((l) => l.startsWith('drive'))).toBe(false);
    expect(s.burst(C, 12, 3)).toMatchObject({ edges: 6, queued: 0, dropped: 0 });
    expect(s.line(C, 12).level).toBe(1);
  });
});
