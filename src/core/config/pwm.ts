import * as E from 'fp-ts/Either';
import * as t from 'io-ts';
import { parseDuty, parseFrequency, type PwmSetting } from '../pwm';
import { decodeProps } from './decode-props';
import { keyPath, type Problems } from './problems';

/** A codec whose failure message is the parser's own sentence. */
const parsed = <A>(name: string, parse: (u: unknown) => E.Either<string, A>): t.Type<A, A, unknown> =>
  new t.Type<A, A, unknown>(
    name,
    (u): u is A => E.isRight(parse(u)),
    (u, c) => {
      const r = parse(u);
      return E.isRight(r) ? t.success(r.right) : t.failure(u, c, r.left);
    },
    t.identity,
  );

/** An output's `pwm:` mapping: software PWM on the line, started at `duty` (default 0: the line low) when the service starts. */
export const PwmEntry = t.partial(
  {
    frequency: parsed('a frequency in Hz', parseFrequency),
    duty: parsed('a duty from 0 to 1, or a percentage like "25%"', parseDuty),
  },
  'a mapping like {frequency: 1000, duty: 0.25}',
);

/** An output's `pwm:` at `label` (`pins[2]`): its setting, or its problems by path. `frequency` is required. */
export const decodePwm = (raw: unknown, label: string): { readonly problems: Problems; readonly pwm?: PwmSetting } => {
  const path = keyPath(label, 'pwm');
  const d = decodeProps(PwmEntry, raw, path, ['frequency']);
  if (d.problems.length > 0 || d.value.frequency === undefined) return { problems: d.problems };
  return { problems: [], pwm: { frequency: d.value.frequency, duty: d.value.duty ?? 0 } };
};
