import * as E from 'fp-ts/Either';
import * as t from 'io-ts';
import { HW_PWM_MAX_HZ, parseDuty, parseFrequency, type PwmSpec } from '../pwm';
import { integerIn } from './codecs';
import { decodeProps } from './decode-props';
import { isRecord, keyPath, own, problem, type Problems } from './problems';

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

/**
 * An output's `pwm:` mapping, started at `duty` (default 0: the line low)
 * when the service starts: software PWM on the GPIO line, or, with `chip`
 * and `channel`, the hardware PWM channel `/sys/class/pwm/<chip>/pwm<channel>`.
 * The frequency is checked against the hardware bound here and the software
 * one in {@link decodePwm}, which knows which it is.
 */
export const PwmEntry = t.partial(
  {
    frequency: parsed('a frequency in Hz', (u) => parseFrequency(u, HW_PWM_MAX_HZ)),
    duty: parsed('a duty from 0 to 1, or a percentage like "25%"', parseDuty),
    chip: t.string,
    channel: integerIn(0, 15),
  },
  'a mapping like {frequency: 1000, duty: 0.25}',
);

/** An output's `pwm:` at `label` (`pins[2]`): its setting, or its problems by path. `frequency` is required; `chip` and `channel` go together. */
export const decodePwm = (raw: unknown, label: string): { readonly problems: Problems; readonly pwm?: PwmSpec } => {
  const path = keyPath(label, 'pwm');
  const d = decodeProps(PwmEntry, raw, path, ['frequency']);
  const { chip, channel, frequency } = d.value;
  // Written, even if wrong (its own problem is listed): not missing.
  const written = (key: string): boolean => isRecord(raw) && own(raw, key) !== undefined && own(raw, key) !== null;
  const hardware = written('chip') || written('channel');
  const problems = [
    ...d.problems,
    ...(written('chip') && !written('channel') ? [problem(keyPath(path, 'channel'), 'missing: hardware PWM (chip) needs its channel, pwmN\'s N')] : []),
    ...(written('channel') && !written('chip') ? [problem(keyPath(path, 'chip'), 'missing: hardware PWM (channel) needs its chip, a pwmchip name, number, device or driver')] : []),
    // The software bound, once it is known that this is software PWM.
    ...(!hardware && frequency !== undefined ? E.fold((m: string) => [problem(keyPath(path, 'frequency'), `${m} (software PWM; hardware PWM, with chip and channel, goes to ${HW_PWM_MAX_HZ})`)], () => [])(parseFrequency(frequency)) : []),
  ];
  if (problems.length > 0 || frequency === undefined) return { problems };
  return {
    problems: [],
    pwm: { frequency, duty: d.value.duty ?? 0, ...(chip !== undefined && channel !== undefined ? { hardware: { chip, channel } } : {}) },
  };
};
