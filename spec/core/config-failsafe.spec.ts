import * as E from 'fp-ts/Either';
import { decodeConfig } from '../../src/core/config';
import { failsafesOf } from '../../src/core/failsafe';
import type { Config } from '../../src/core/model';

// `failsafe` and `failsafeAfter` on the per-pin form: what they decode to, and every mistake by path.

const env = { AWS_IOT_THING_NAME: 't1' };
const pins = (...entries: Array<Record<string, unknown>>) => ({ pins: entries });

const decoded = (raw: unknown): Config => {
  const r = decodeConfig(raw, env);
  if (E.isLeft(r)) throw new Error(`expected a config, got ${r.left.join('\n')}`);
  return r.right;
};
const problems = (raw: unknown): ReadonlyArray<string> => {
  const r = decodeConfig(raw, env);
  if (E.isRight(r)) throw new Error(`expected problems, got ${JSON.stringify(r.right)}`);
  return r.left;
};

describe('decodeConfig: failsafe levels', () => {
  it('decodes low and high to logical levels with their delay; keep, or no failsafe, to none', () => {
    const config = decoded(
      pins(
        { pin: 8, direction: 'output', failsafe: 'low', failsafeAfter: 2000 },
        { pin: 9, direction: 'output', failsafe: 'high', failsafeAfter: '0', activeLow: true },
        { pin: 10, direction: 'output', failsafe: 'keep' },
        { pin: 11, direction: 'output' },
      ),
    );
    expect(config.pins).toEqual([
      { pin: 8, direction: 'output', initial: 'keep', activeLow: false, failsafe: { level: 0, afterMs: 2000 } },
      { pin: 9, direction: 'output', initial: 'keep', activeLow: true, failsafe: { level: 1, afterMs: 0 } },
      { pin: 10, direction: 'output', initial: 'keep', activeLow: false },
      { pin: 11, direction: 'output', initial: 'keep', activeLow: false },
    ]);
    expect(failsafesOf(config.pins)).toEqual([
      { pin: 8, level: 0, afterMs: 2000 },
      { pin: 9, level: 1, afterMs: 0 },
    ]);
  });

  it('keeps every output of the Greengrass strings at keep: they have no failsafe', () => {
    expect(failsafesOf(decoded({ OutputGpios: '8H,9L' }).pins)).toEqual([]);
  });

  it.each([
    [{ pin: 8, direction: 'output', failsafe: 'low' }, 'pins[0].failsafeAfter: missing: failsafe: low needs failsafeAfter, the milliseconds the broker connection may be lost before the output moves'],
    [{ pin: 8, direction: 'output', failsafe: 'high' }, 'pins[0].failsafeAfter: missing: failsafe: high needs failsafeAfter, the milliseconds the broker connection may be lost before the output moves'],
    [{ pin: 8, direction: 'output', failsafeAfter: 1000 }, 'pins[0].failsafeAfter: only with failsafe: low or high'],
    [{ pin: 8, direction: 'output', failsafe: 'keep', failsafeAfter: 1000 }, 'pins[0].failsafeAfter: only with failsafe: low or high (keep moves nothing)'],
    [{ pin: 8, direction: 'output', failsafe: 'off', failsafeAfter: 1000 }, 'pins[0].failsafe: expected one of keep, low, high, got "off"'],
    [{ pin: 8, direction: 'output', failsafe: 'low', failsafeAfter: -1 }, 'pins[0].failsafeAfter: expected an integer 0-86400000, got -1'],
    [{ pin: 8, direction: 'output', failsafe: 'low', failsafeAfter: 86_400_001 }, 'pins[0].failsafeAfter: expected an integer 0-86400000, got 86400001'],
    [{ pin: 8, direction: 'output', failsafe: 'low', failsafeAfter: 1.5 }, 'pins[0].failsafeAfter: expected integer, got 1.5'],
    [{ pin: 8, direction: 'output', failsafe: 'low', failsafeAfter: '2s' }, 'pins[0].failsafeAfter: expected integer, got "2s"'],
  ])('reports %j by path', (entry, message) => {
    expect(problems(pins(entry))).toEqual([message]);
  });

  it('refuses a failsafe on an input: only for outputs, each key by its path', () => {
    expect(problems(pins({ pin: 5, direction: 'output' }, { pin: 6, direction: 'input', failsafe: 'low', failsafeAfter: 100 }))).toEqual([
      'pins[1].failsafe: only for outputs',
      'pins[1].failsafeAfter: only for outputs',
    ]);
  });

  it('lists a failsafe problem with the others of the file', () => {
    expect(problems({ ...pins({ pin: 8, direction: 'output', failsafe: 'high' }), InputPollPeriod: 0 })).toEqual([
      'InputPollPeriod: expected an integer >= 1 (milliseconds), got 0',
      'pins[0].failsafeAfter: missing: failsafe: high needs failsafeAfter, the milliseconds the broker connection may be lost before the output moves',
    ]);
  });
});
