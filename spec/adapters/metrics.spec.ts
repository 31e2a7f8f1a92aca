import * as E from 'fp-ts/Either';
import fc from 'fast-check';
import { Subject } from 'rxjs';
import { openSimDriver } from '../../src/adapters/gpio/sim';
import { countingDriver, edgeLosses, emptyTally, requestCounter } from '../../src/adapters/metrics/tally';
import type { KernelEdge } from '../../src/core/driver';
import { isSimulated } from '../../src/core/driver';
import type { PinSpec } from '../../src/core/model';
import { pinTable, type Request } from '../../src/core/requests';
import { answerRequests } from '../../src/streams/requests';

const edge = (pin: number, rising: boolean, extra: Partial<KernelEdge> = {}): KernelEdge => ({ pin, rising, timestampNs: 0n, ...extra });

describe('edgeLosses', () => {
  it('counts every event missing between the first seqno seen and the last (uAPI v2), across the u32 wrap', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.array(fc.boolean(), { minLength: 1, maxLength: 200 }), (start, kept) => {
        // Event i has seqno start + i; `kept[i]` says whether it reached us. The first kept one starts the count.
        const first = kept.indexOf(true);
        const last = kept.lastIndexOf(true);
        const expected = first < 0 ? 0 : kept.slice(first, last + 1).filter((k) => !k).length;
        const losses = edgeLosses();
        let counted = 0;
        kept.forEach((k, i) => {
          if (k) counted += losses(edge(5, i % 2 === 0, { seqno: (start + i + 1) % 2 ** 32 }));
        });
        expect(counted).toBe(expected);
      }),
    );
  });

  it('counts across the u32 wrap of seqnos', () => {
    const losses = edgeLosses();
    expect([losses(edge(5, true, { seqno: 2 ** 32 - 2 })), losses(edge(5, false, { seqno: 2 ** 32 - 1 })), losses(edge(5, true, { seqno: 2 }))]).toEqual([0, 0, 2]);
  });

  it('without seqnos (uAPI v1), counts a lost mark and a second edge in the same direction, one each', () => {
    const losses = edgeLosses();
    expect([
      losses(edge(5, true)),
      losses(edge(6, true)),
      losses(edge(5, false)),
      losses(edge(5, false)), // a rising edge between them was dropped
      losses(edge(6, false, { lost: true })), // the driver found the queue full
      losses(edge(6, true)),
    ]).toEqual([0, 0, 0, 1, 1, 0]);
  });
});

describe('countingDriver', () => {
  const pins: PinSpec[] = [
    { pin: 5, direction: 'input', bias: 'as-is', activeLow: false, edge: 'both' },
    { pin: 6, direction: 'input', bias: 'as-is', activeLow: false, edge: 'rising' },
    { pin: 8, direction: 'output', initial: 0, activeLow: false },
  ];

  it('counts the edges of each pin as they pass, and is the same driver otherwise', () => {
    const sim = openSimDriver(pins);
    if (E.isLeft(sim)) throw new Error(sim.left);
    const tally = emptyTally(sim.right.edgeInputs);
    let closed = 0;
    const driver = countingDriver(sim.right, tally, () => (closed += 1));
    expect(isSimulated(driver)).toBe(true);
    expect([...tally.edges]).toEqual([
      [5, 0],
      [6, 0],
    ]);
    const seen: number[] = [];
    const watching = driver.edges().subscribe((e) => seen.push(e.pin));
    if (!isSimulated(driver)) throw new Error('not simulated');
    driver.simulate(5, 1);
    driver.simulate(5, 0);
    driver.simulate(6, 1);
    driver.simulate(5, 0); // no change, no edge
    expect(seen).toEqual([5, 5, 6]);
    expect([...tally.edges]).toEqual([
      [5, 2],
      [6, 1],
    ]);
    expect(tally.edgesLost).toBe(0);
    expect(driver.write(8, 1)).toEqual(E.right(1));
    watching.unsubscribe();
    driver.close();
    expect(closed).toBe(1);
    expect(E.isLeft(sim.right.read(5))).toBe(true);
  });
});

describe('requestCounter', () => {
  const pins: PinSpec[] = [
    { pin: 5, direction: 'input', bias: 'as-is', activeLow: false },
    { pin: 8, direction: 'output', initial: 0, activeLow: false },
  ];

  it('counts each request once, by its kind and how it was answered, and each error by kind', () => {
    const sim = openSimDriver(pins);
    if (E.isLeft(sim)) throw new Error(sim.left);
    const tally = emptyTally();
    const counter = requestCounter(tally);
    const request$ = new Subject<Request>();
    const table = pinTable('t', pins, { acceptRetainedWrites: false, simulate: true });
    const out = answerRequests(request$, { table, driver: sim.right }).subscribe(counter.output);
    const send = (topic: string, payload = '', retained = false) => {
      // A reply object per request, as the MQTT adapter makes.
      const r: Request = { topic, payload, retained, reply: { qos: 0 } };
      counter.request(r);
      request$.next(r);
    };
    send('gpio/t/8/read');
    send('gpio/t/8/write', '1');
    send('gpio/t/8/write', 'on');
    send('gpio/t/5/write', '1');
    send('gpio/t/8/pulse', '10');
    send('gpio/t/5/simulate', '1');
    send('gpio/t/9/read');
    send('gpio/t/8/write', '0', true);
    send('gpio/t/8/write', '0');
    out.unsubscribe(); // ends the pulse at once: its switch-back answers no request
    const nonZero = (r: Record<string, Record<string, number>>) =>
      Object.fromEntries(Object.entries(r).flatMap(([k, v]) => Object.entries(v).filter(([, n]) => n > 0).map(([o, n]) => [`${k} ${o}`, n])));
    expect(nonZero(tally.requests)).toEqual({
      'read ok': 1,
      'read rejected': 1,
      'write ok': 2,
      'write rejected': 2,
      'write ignored': 1,
      'pulse ok': 1,
      'simulate ok': 1,
    });
    expect(Object.fromEntries(Object.entries(tally.errors).filter(([, n]) => n > 0))).toEqual({
      invalid_payload: 1,
      invalid_operation: 1,
      unconfigured: 1,
    });
  });
});
