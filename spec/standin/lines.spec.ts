/**
 * Line requests, values and releases through the real node-libgpiod addon on
 * the stand-in libgpiod.so.2, including libgpiod 1.6 / uAPI v1's sharp edges.
 */
import { GpiodStandin, RequestFlag } from '../support/gpiod-standin';
import { PI, child, disposeAll, run, standin } from './helpers';

jest.setTimeout(30_000);

beforeAll(async () => {
  await GpiodStandin.build();
});
afterEach(disposeAll);

const C = 'gpiochip0';

describe('requests', () => {
  it('drives an output at its default level and records the request in the state and the log', async () => {
    const s = await standin([PI]);
    const flags = RequestFlag.OPEN_DRAIN | RequestFlag.BIAS_PULL_UP;
    const got = await child<{ pid: number; info: unknown }>(s, `
      const chip = new g.Chip('gpiochip0');
      const line = new g.Line(chip, 9);
      line.requestOutputModeFlags('rpi-gpio-connector', ${flags}, 1);
      const info = { consumer: line.consumer, direction: line.direction, openDrain: line.openDrain, bias: line.bias, used: line.used, value: line.getValue() };
      line.setValue(0);
      out({ pid: process.pid, info });
    `);
    // direction 2 = OUTPUT, bias 3 = PULL_UP (Line.Direction, Line.Bias)
    expect(got.info).toEqual({ consumer: 'rpi-gpio-connector', direction: 2, openDrain: true, bias: 3, used: true, value: 1 });
    expect(s.line(C, 9)).toMatchObject({
      level: 0, requested: true, consumer: 'rpi-gpio-connector', ownerPid: got.pid, direction: 'output', output: true,
      flags: { openDrain: true, biasPullUp: true, activeLow: false, biasPullDown: false, biasDisable: false, openSource: false },
      defaultValue: 1, requests: 1, releases: 0, reads: 1, writes: 1,
    });
    const [request, set, ...rest] = s.events();
    expect(request).toMatch(new RegExp(`^request chip=gpiochip0 offset=9 type=output flags=0x21 default=1 level=1 handle=\\d+ pid=${got.pid} consumer=rpi-gpio-connector$`));
    expect(set).toMatch(new RegExp(`^set chip=gpiochip0 offset=9 value=0 level=0 handle=\\d+ pid=${got.pid}$`));
    expect(rest).toEqual([]);
    // Untouched lines stay free at level 0.
    expect(s.line(C, 10)).toMatchObject({ level: 0, requested: false, direction: 'none', requests: 0 });
  });

  it('inverts values of an ACTIVE_LOW request: default, set and get', async () => {
    const s = await standin([PI]);
    s.setLevel(C, 5, 1);
    const got = await child(s, `
      const chip = new g.Chip('gpiochip0');
      const out9 = new g.Line(chip, 9);
      out9.requestOutputModeFlags('app', ${RequestFlag.ACTIVE_LOW}, 1);
      const afterRequest = out9.getValue();
      out9.setValue(0);
      const in5 = new g.Line(chip, 5);
      in5.requestInputModeFlags('app', ${RequestFlag.ACTIVE_LOW});
      out({ afterRequest, afterSet: out9.getValue(), input: in5.getValue(), activeState: in5.activeState });
    `);
    expect(got).toEqual({ afterRequest: 1, afterSet: 0, input: 0, activeState: 2 }); // 2 = ActiveState.LOW
    expect(s.line(C, 9)).toMatchObject({ level: 1, defaultValue: 1, flags: expect.objectContaining({ activeLow: true }) });
    expect(s.events()[0]).toContain('offset=9 type=output flags=0x4 default=1 level=0 ');
    expect(s.line(C, 5)).toMatchObject({ level: 1, direction: 'input', output: false });
  });

  it('leaves direction and level alone on an AS_IS request, and reads the level', async () => {
    const s = await standin([PI]);
    s.setLevel(C, 4, 1);
    const got = await child(s, `
      const line = new g.Line(new g.Chip('gpiochip0'), 4);
      line.lineRequest({ consumer: 'peek', requestType: g.Line.RequestType.Direction.AS_IS, flags: 0 });
      out({ value: line.getValue(), set: codeOf(() => line.setValue(0)) });
    `);
    expect(got).toEqual({ value: 1, set: 'EPERM' }); // never configured as output
    expect(s.line(C, 4)).toMatchObject({ level: 1, direction: 'as-is', output: false, requested: true });
  });

  it('says EBUSY for a line another program holds, whose consumer it shows', async () => {
    const s = await standin([PI]);
    s.hold(C, 17, 'other-app');
    const got = await child(s, `
      const chip = new g.Chip('gpiochip0');
      const held = new g.Line(chip, 17);
      const info = { consumer: held.consumer, used: held.used };
      const request = codeOf(() => held.requestInputMode('rpi-gpio-connector'));
      // The kernel says EBUSY to the same process too, through another chip handle.
      new g.Line(chip, 18).requestOutputMode('rpi-gpio-connector', 0);
      const again = codeOf(() => new g.Line(new g.Chip('gpiochip0'), 18).requestOutputMode('rpi-gpio-connector', 1));
      out({ info, request, again, free: new g.Line(chip, 19).consumer === undefined });
    `);
    expect(got).toEqual({ info: { consumer: 'other-app', used: true }, request: 'EBUSY', again: 'EBUSY', free: true });
    expect(s.line(C, 17)).toMatchObject({ requested: true, consumer: 'other-app', ownerPid: process.pid, requests: 0 });
    expect(s.line(C, 18)).toMatchObject({ level: 0, requests: 1, defaultValue: 0 }); // never driven to 1
    expect(s.events().filter((e) => e.startsWith('request'))).toHaveLength(1);
  });

  it('rejects bias flags with EINVAL on a chip whose kernel predates bias (5.5), and bad flag mixes anywhere', async () => {
    const s = await standin([
      { name: 'gpiochip0', label: 'old-kernel', lines: 8, bias: false },
      { name: 'gpiochip1', label: 'new-kernel', lines: 8 },
    ]);
    const F = RequestFlag;
    const got = await child(s, `
      const old = new g.Chip('gpiochip0');
      const cur = new g.Chip('gpiochip1');
      const asIs = g.Line.RequestType.Direction.AS_IS;
      out({
        oldPullUp: codeOf(() => new g.Line(old, 1).requestInputModeFlags('app', ${F.BIAS_PULL_UP})),
        oldActiveLow: codeOf(() => new g.Line(old, 2).requestInputModeFlags('app', ${F.ACTIVE_LOW})),
        newPullUp: codeOf(() => new g.Line(cur, 1).requestInputModeFlags('app', ${F.BIAS_PULL_UP})),
        twoBiases: codeOf(() => new g.Line(cur, 2).requestInputModeFlags('app', ${F.BIAS_PULL_UP | F.BIAS_PULL_DOWN})),
        asIsBias: codeOf(() => new g.Line(cur, 3).lineRequest({ consumer: 'app', requestType: asIs, flags: ${F.BIAS_DISABLE} })),
        inputOpenDrain: codeOf(() => new g.Line(cur, 4).requestInputModeFlags('app', ${F.OPEN_DRAIN})),
        drainAndSource: codeOf(() => new g.Line(cur, 5).requestOutputModeFlags('app', ${F.OPEN_DRAIN | F.OPEN_SOURCE}, 0)),
        events: codeOf(() => new g.Line(cur, 6).requestRisingEdgeEvents('app')),
      });
    `);
    expect(got).toEqual({
      oldPullUp: 'EINVAL', oldActiveLow: 'ok', newPullUp: 'ok', twoBiases: 'EINVAL', asIsBias: 'EINVAL',
      inputOpenDrain: 'EINVAL', drainAndSource: 'EINVAL', events: 'ok',
    });
    expect(s.line(C, 1)).toMatchObject({ requested: false, requests: 0 });
    expect(s.line('gpiochip1', 1)).toMatchObject({ flags: expect.objectContaining({ biasPullUp: true }), direction: 'input' });
  });

  it('requests a bulk all or nothing', async () => {
    const s = await standin([PI]);
    s.hold(C, 7, 'other-app');
    const got = await child(s, `
      const bulk = new g.Bulk(new g.Chip('gpiochip0'), [5, 6, 7]);
      out(codeOf(() => bulk.requestInputMode('app')));
    `);
    expect(got).toBe('EBUSY');
    expect([5, 6].map((o) => s.line(C, o).requests)).toEqual([0, 0]);
  });
});

describe('values', () => {
  it('reads input levels set from the test with one bulk read', async () => {
    const s = await standin([PI]);
    s.setLevel(C, 5, 1);
    s.setLevel(C, 7, 1);
    const got = await child(s, `
      const bulk = new g.Bulk(new g.Chip('gpiochip0'), [5, 6, 7]);
      bulk.requestInputMode('rpi-gpio-connector');
      out(bulk.values);
    `);
    expect(got).toEqual([1, 0, 1]);
    expect(s.bulkReads()).toEqual({ calls: 1, lines: 3 });
    expect(s.singleReads()).toBe(0);
    const lines = [5, 6, 7].map((o) => s.line(C, o));
    expect(lines.map((l) => [l.direction, l.reads, l.requests])).toEqual([['input', 1, 1], ['input', 1, 1], ['input', 1, 1]]);
    expect(new Set(lines.map((l) => l.handle)).size).toBe(1); // one request handle
  });

  it('sees a level change while the process runs, without reopening anything', async () => {
    const s = await standin([PI]);
    const running = run(s, `
      const bulk = new g.Bulk(new g.Chip('gpiochip0'), [5, 6]);
      bulk.requestInputMode('app');
      const first = bulk.values;
      let reads = 1, now = first;
      const deadline = Date.now() + 5000;
      const tick = () => {
        now = bulk.values; reads++;
        if (now[1] !== first[1] || Date.now() > deadline) out({ first, now, reads });
        else setTimeout(tick, 2);
      };
      tick();
    `);
    const start = Date.now();
    while (s.bulkReads().calls === 0 && Date.now() - start < 5000) await new Promise((r) => setTimeout(r, 5));
    s.setLevel(C, 6, 1);
    const r = await running;
    expect(r.code).toBe(0);
    const got = JSON.parse(r.stdout) as { first: number[]; now: number[]; reads: number };
    expect(got.first).toEqual([0, 0]);
    expect(got.now).toEqual([0, 1]);
    expect(s.bulkReads()).toEqual({ calls: got.reads, lines: 2 * got.reads });
  });

  it('reproduces the uAPI v1 handle order: a line of a bulk request reads and writes its handle\'s FIRST line', async () => {
    const s = await standin([PI]);
    s.setLevel(C, 5, 1);
    const got = await child(s, `
      const chip = new g.Chip('gpiochip0');
      const inputs = new g.Bulk(chip, [5, 6, 7]);
      inputs.requestInputMode('app');
      const outputs = new g.Bulk(chip, [8, 9]);
      outputs.requestOutputMode('app', [0, 0]);
      const six = new g.Line(chip, 6).getValue();           // line 5's level
      const reordered = new g.Bulk(chip, [7, 6]).values;    // the handle's [5, 6]
      new g.Line(chip, 9).setValue(1);                      // sets 8 to 1 and 9 to 0
      out({ six, reordered });
    `);
    expect(got).toEqual({ six: 1, reordered: [1, 0] });
    expect([8, 9].map((o) => s.line(C, o).level)).toEqual([1, 0]);
    const sets = s.events().filter((e) => e.startsWith('set'));
    expect(sets.map((e) => e.split(' ').slice(1, 5).join(' '))).toEqual([
      'chip=gpiochip0 offset=8 value=1 level=1',
      'chip=gpiochip0 offset=9 value=0 level=0',
    ]);
    expect(s.bulkReads()).toEqual({ calls: 1, lines: 2 });
    expect(s.singleReads()).toBe(1);
  });

  it('refuses to read an unrequested line and to write an input (EPERM)', async () => {
    const s = await standin([PI]);
    const got = await child(s, `
      const chip = new g.Chip('gpiochip0');
      const input = new g.Line(chip, 5);
      const before = codeOf(() => input.getValue());
      input.requestInputMode('app');
      out({ before, write: codeOf(() => input.setValue(1)) });
    `);
    expect(got).toEqual({ before: 'EPERM', write: 'EPERM' });
    expect(s.line(C, 5)).toMatchObject({ level: 0, writes: 0 });
    expect(s.events().filter((e) => e.startsWith('set'))).toEqual([]);
  });
});

describe('releases', () => {
  it('frees a released line, keeps its owner pid, and lets it be requested again', async () => {
    const s = await standin([PI]);
    const got = await child<{ pid: number; again: string }>(s, `
      const line = new g.Line(new g.Chip('gpiochip0'), 9);
      line.requestOutputMode('app', 1);
      line.release();
      line.release(); // a no-op
      out({ pid: process.pid, again: codeOf(() => line.requestInputMode('app2')) });
    `);
    expect(got.again).toBe('ok');
    // Released, the line fell back to its pull (down), as gpio-sim's does: the kernel drives a line only while it is held.
    expect(s.line(C, 9)).toMatchObject({ requests: 2, releases: 1, direction: 'input', level: 0, requested: true, consumer: 'app2' });
    expect(s.events().map((e) => e.split(' ')[0])).toEqual(['request', 'release', 'request']);
    expect(s.events()[1]).toMatch(new RegExp(`^release chip=gpiochip0 offset=9 handle=\\d+ pid=${got.pid}$`));

    const second = await child(s, `
      const line = new g.Line(new g.Chip('gpiochip0'), 9);
      line.requestInputMode('app3');
      line.release();
      out(line.used);
    `);
    expect(second).toBe(false);
    expect(s.line(C, 9)).toMatchObject({ requested: false, consumer: '', releases: 2 });
    expect(s.line(C, 9).ownerPid).toBeGreaterThan(0);
  });

  it('keeps every line of a bulk request held until its last line is released', async () => {
    const s = await standin([PI]);
    const got = await child(s, `
      const chip = new g.Chip('gpiochip0');
      const bulk = new g.Bulk(chip, [5, 6]);
      bulk.requestInputMode('app');
      new g.Line(chip, 5).release();
      const stillHeld = codeOf(() => new g.Line(new g.Chip('gpiochip0'), 5).requestInputMode('other'));
      const local = codeOf(() => new g.Line(chip, 5).getValue());
      new g.Line(chip, 6).release();
      out({ stillHeld, local, after: codeOf(() => new g.Line(new g.Chip('gpiochip0'), 5).requestInputMode('other')) });
    `);
    expect(got).toEqual({ stillHeld: 'EBUSY', local: 'EPERM', after: 'ok' });
    expect(s.events().map((e) => e.split(' ').slice(0, 3).join(' '))).toEqual([
      'request chip=gpiochip0 offset=5',
      'request chip=gpiochip0 offset=6',
      'release chip=gpiochip0 offset=5',
      'release chip=gpiochip0 offset=6',
      'request chip=gpiochip0 offset=5',
    ]);
  });

  // Line objects are cached per chip, so node-libgpiod objects share them.
  it('releases every line of a chip on chip.lineNames, as the addon releases the bulk of all lines', async () => {
    const s = await standin([PI]);
    const got = await child(s, `
      const chip = new g.Chip('gpiochip0');
      const line = new g.Line(chip, 9);
      line.requestOutputMode('app', 1);
      chip.lineNames;
      out({ used: line.used, value: codeOf(() => line.getValue()) });
    `);
    expect(got).toEqual({ used: false, value: 'EPERM' });
    expect(s.line(C, 9)).toMatchObject({ requested: false, releases: 1 });
  });

  it('releases a line when a temporary Line object for its offset is garbage collected', async () => {
    const s = await standin([PI]);
    const got = await child(s, `
      require('v8').setFlagsFromString('--expose-gc');
      const gc = require('vm').runInNewContext('gc');
      const chip = new g.Chip('gpiochip0');
      const line = new g.Line(chip, 9);
      line.requestOutputMode('app', 1);
      (() => new g.Line(chip, 9).offset)(); // its finalizer calls gpiod_line_release()
      (async () => {
        for (let i = 0; i < 5; i++) { gc(); await new Promise((r) => setImmediate(r)); }
        out({ chip: chip.name, value: codeOf(() => line.getValue()) });
      })();
    `);
    expect(got).toEqual({ chip: 'gpiochip0', value: 'EPERM' });
    expect(s.line(C, 9)).toMatchObject({ requested: false, releases: 1 });
  });

  it('leaves the line of a killed process requested by a dead pid, and free for the next process', async () => {
    const s = await standin([PI]);
    const killed = await run(s, `
      new g.Line(new g.Chip('gpiochip0'), 9).requestOutputMode('rpi-gpio-connector', 1);
      require('fs').writeSync(1, String(process.pid));
      process.kill(process.pid, 'SIGKILL');
    `);
    expect(killed.signal).toBe('SIGKILL');
    const deadPid = Number(killed.stdout);
    expect(s.line(C, 9)).toMatchObject({
      requested: true, ownerPid: deadPid, ownerAlive: false, consumer: 'rpi-gpio-connector', level: 1, releases: 0,
    });
    expect(s.events().some((e) => e.startsWith('release'))).toBe(false);

    const next = await child<{ pid: number; before: unknown }>(s, `
      const line = new g.Line(new g.Chip('gpiochip0'), 9);
      const before = { consumer: line.consumer ?? null, used: line.used, direction: line.direction };
      line.requestOutputMode('rpi-gpio-connector', 1);
      out({ pid: process.pid, before });
    `);
    // The kernel freed the line but kept it an output.
    expect(next.before).toEqual({ consumer: null, used: false, direction: 2 });
    expect(s.line(C, 9)).toMatchObject({ requested: true, ownerPid: next.pid, requests: 2, level: 1 });
  });
});
