import { concat, map, type Observable, of, take } from 'rxjs';
import type { Behaviour, Stop } from './per-pin';

/** The end of a pin's PWM at shutdown: the line held low. The PWM behaviour makes it; no request asked for it. */
export interface PwmOff {
  readonly _tag: 'PwmOff';
  readonly pin: number;
}

export const pwmOff = (pin: number): PwmOff => ({ _tag: 'PwmOff', pin });

/**
 * The PWM behaviour of one pin, for {@link perPin}: a `Pwm` command is carried
 * out now (the driver runs the PWM: the native thread, not a timer here), and
 * the behaviour stays subscribed while the PWM runs. The pin's next command
 * replaces it (a write, a pulse or another PWM setting: each takes the line
 * over in the driver); the pin's stop instead ends it with a {@link PwmOff},
 * so shutdown leaves the line low. Any other command goes to `other`.
 */
export const pwmRunning =
  <C extends { readonly pin: number; readonly _tag: string }, O>(other: Behaviour<C, O>): Behaviour<C, C | O | PwmOff> =>
  (command, stopped$: Observable<Stop>) =>
    command._tag === 'Pwm'
      ? concat(
          of(command),
          stopped$.pipe(
            take(1),
            map(() => pwmOff(command.pin)),
          ),
        )
      : other(command, stopped$);
