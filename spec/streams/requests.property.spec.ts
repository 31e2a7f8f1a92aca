import * as E from 'fp-ts/Either';
import fc from 'fast-check';
import { from, lastValueFrom, toArray } from 'rxjs';
import { openSimDriver } from '../../src/adapters/gpio/sim';
import type { Level, PinSpec } from '../../src/core/model';
import type { Output } from '../../src/core/outputs';
import { pinTable, type Request } from '../../src/core/reducer';
import { answerRequests } from '../../src/streams/requests';

const pins: PinSpec[] = [
  { pin: 5, direction: 'input', bias: 'pull-up', activeLow: false },
  { pin: 7, direction: 'input', bias: 'as-is', activeLow: true },
  { pin: 8, direction: 'output', initial: 1, activeLow: false },
  { pin: 27, direction: 'output', initial: 'keep', activeLow: true },
];
const outputs = [8, 27];

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

  it('never changes an input line, and reports the level last written or read', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(request, { maxLength: 40 }), fc.boolean(), async (requests, accept) => {
        const { out, driver } = await answer(requests, accept);
        // A model of the outputs: start-up levels (27 is active-low, its line kept at 0), then every applied write.
        const model = new Map<number, Level>([[8, 1], [27, 1]]);
        out.forEach((o, i) => {
          const req = requests[i] as Request;
          const [, , p, kind] = req.topic.split('/');
          const pin = Number(p);
          if (o._tag !== 'State') return;
          if (kind === 'write') {
            expect(outputs).toContain(pin);
            model.set(pin, o.level);
          }
          if (outputs.includes(pin)) expect(o.level).toBe(model.get(pin));
        });
        // Start-up input levels: 5 is pulled up, 7 is active-low on a line at 0.
        expect([E.toUnion(driver.read(5)), E.toUnion(driver.read(7))]).toEqual([1, 1]);
        expect(E.toUnion(driver.read(8))).toBe(model.get(8));
        expect(E.toUnion(driver.read(27))).toBe(model.get(27));
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
