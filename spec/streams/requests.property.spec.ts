import * as E from 'fp-ts/Either';
import fc from 'fast-check';
import { from, lastValueFrom, toArray } from 'rxjs';
import { openSimDriver } from '../../src/adapters/gpio/sim';
import type { Level, PinSpec } from '../../src/core/model';
import type { Output } from '../../src/core/outputs';
import { pinTable, type Request } from '../../src/core/requests';
import { answerRequests } from '../../src/streams/requests';

const pins: PinSpec[] = [
  { pin: 5, direction: 'input', bias: 'pull-up', activeLow: false },
  { pin: 7, direction: 'input', bias: 'as-is', activeLow: true },
  { pin: 8, direction: 'output', initial: 1, activeLow: false },
  { pin: 27, direction: 'output', initial: 'keep', activeLow: true },
];
const outputs = [8, 27];

/** What each payload the arbitrary makes means as a level, written out by hand (not by the parser under test). */
const PAYLOAD_LEVEL: Readonly<Record<string, Level | undefined>> = { '0': 0, '1': 1, '"1"': 1, ' 0\n': 0, '2': undefined, '': undefined };

const request: fc.Arbitrary<Request> = fc.record({
  topic: fc
    .tuple(fc.constantFrom('5', '7', '8', '27', '4', 'x'), fc.constantFrom('read', 'write'))
    .map(([p, k]) => `gpio/t/${p}/${k}`),
  payload: fc.constantFrom('0', '1', '"1"', ' 0\n', '2', ''),
  retained: fc.boolean(),
});

/** Runs requests through the request unit on a fresh simulated chip. */
const answer = async (requests: Request[], acceptRetainedWrites: boolean) => {
  const driver = E.getOrElseW((e: string) => { throw new Error(e); })(openSimDriver(pins));
  const table = pinTable('t', pins, { acceptRetainedWrites, simulate: true });
  const out = await lastValueFrom(answerRequests(from(requests), { table, driver }).pipe(toArray()), { defaultValue: [] as Output[] });
  return { out, driver };
};

describe('answerRequests on the simulated chip: properties', () => {
  it('gives every request exactly one answer, in order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(request, { maxLength: 40 }), fc.boolean(), async (requests, accept) => {
        const { out } = await answer(requests, accept);
        expect(out).toHaveLength(requests.length);
        out.forEach((o, i) => {
          const topic = (requests[i] as Request).topic;
          const pin = Number(topic.split('/')[2]);
          if (o._tag === 'State') expect(o.pin).toBe(pin);
          else if (o._tag === 'Rejected') expect(o.error.topic).toBe(topic);
          else expect(o).toEqual(expect.objectContaining({ topic }));
        });
      }),
    );
  });

  it('answers each request as a model built from the requests alone predicts, and never changes an input line', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(request, { maxLength: 40 }), fc.boolean(), async (requests, accept) => {
        const { out, driver } = await answer(requests, accept);
        // The model knows the rules, not the output: start-up levels (8 starts high; 27 is
        // active-low on a line kept at 0, so it reads 1; inputs: 5 pulled up, 7 active-low
        // at 0), the payloads a write accepts, and when a retained request is applied.
        const levels = new Map<number, Level>([[5, 1], [7, 1], [8, 1], [27, 1]]);
        const expected = requests.map((req): string => {
          const [, , p, kind] = req.topic.split('/') as [string, string, string, 'read' | 'write'];
          const pin = Number(p);
          if (req.retained && !(kind === 'write' && accept)) return 'Ignored';
          if (!levels.has(pin)) return 'Rejected'; // 4 is not configured, x is not a pin
          if (kind === 'read') return `State ${pin}=${levels.get(pin)}`;
          if (!outputs.includes(pin)) return 'Rejected'; // a write to an input
          const level = PAYLOAD_LEVEL[req.payload];
          if (level === undefined) return 'Rejected'; // not a level
          levels.set(pin, level);
          return `State ${pin}=${level}`;
        });
        expect(out.map((o) => (o._tag === 'State' ? `State ${o.pin}=${o.level}` : o._tag))).toEqual(expected);
        // The lines end as the model says: inputs untouched, outputs at the last applied write.
        expect([5, 7, 8, 27].map((pin) => E.toUnion(driver.read(pin)))).toEqual([5, 7, 8, 27].map((pin) => levels.get(pin)));
      }),
    );
  });

  it('applies a write with the payload\'s level', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(8, 27), fc.constantFrom<Level>(0, 1), async (pin, level) => {
        const { out } = await answer([{ topic: `gpio/t/${pin}/write`, payload: String(level), retained: false }], false);
        expect(out).toEqual([{ _tag: 'State', pin, level }]);
      }),
    );
  });
});
