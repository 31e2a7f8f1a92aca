import * as E from 'fp-ts/Either';
import { TestScheduler } from 'rxjs/testing';
import { openSimDriver } from '../../src/adapters/gpio/sim';
import type { InputSpec, PinSpec } from '../../src/core/model';
import { observed as lvl, type Watched } from '../../src/core/observation';
import { edgeLevels } from '../../src/streams/edge-levels';

const newScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const sim = (pins: PinSpec[]) => E.getOrElseW((e: string) => { throw new Error(e); })(openSimDriver(pins));
const input = (pin: number, more: Partial<InputSpec> = {}): InputSpec => ({ pin, direction: 'input', bias: 'pull-down', activeLow: false, ...more });

describe('edgeLevels (marbles, simulated chip)', () => {
  it('emits the first levels, then every edge in order, even a pulse between two polls, with its timestamp', () => {
    newScheduler().run(({ hot, expectObservable }) => {
      const driver = sim([input(5, { edge: 'both' }), input(6, { edge: 'both', bias: 'pull-up' })]);
      hot('-----a(bc)-d', { a: [5, 1], b: [5, 0], c: [6, 0], d: [6, 0] }).subscribe(([pin, level]) => driver.simulate(pin as number, level as 0 | 1));
      const at = expect.any(BigInt) as unknown as bigint;
      // d sets pin 6 to the level it already has: no edge, nothing.
      expectObservable(edgeLevels({ driver, thing: 't' })).toBe('(ab)-c(de)', {
        a: lvl(5, 0),
        b: lvl(6, 1),
        c: lvl(5, 1, at),
        d: lvl(5, 0, at),
        e: lvl(6, 0, at),
      });
    });
  });

  it('is nothing without edge inputs, and stops watching when unsubscribed', () => {
    newScheduler().run(({ expectObservable }) => {
      const driver = sim([input(5)]);
      expectObservable(edgeLevels({ driver, thing: 't' })).toBe('|');
    });
    const driver = sim([input(5, { edge: 'both' })]);
    const got: Watched[] = [];
    const sub = edgeLevels({ driver, thing: 't' }).subscribe((w) => got.push(w));
    driver.simulate(5, 1);
    sub.unsubscribe();
    driver.simulate(5, 0);
    expect(got.map((w) => (w._tag === 'Level' ? w.level : w._tag))).toEqual([0, 1]);
    // A second subscriber may watch again.
    const again: Watched[] = [];
    edgeLevels({ driver, thing: 't' }).subscribe((w) => again.push(w));
    driver.simulate(5, 1);
    expect(again.map((w) => (w._tag === 'Level' ? w.level : w._tag))).toEqual([0, 1]);
  });
});

