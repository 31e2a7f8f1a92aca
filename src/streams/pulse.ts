import { concat, defer, EMPTY, ignoreElements, map, type Observable, of, takeUntil, takeWhile, tap, timer } from 'rxjs';
import { PULSE_ON, type PulseCommand, pulseOff, type PulseWrite, type SwitchBack, switchBack } from '../core/pulse';
import { type Behaviour, perPin, thenStop } from './per-pin';

/**
 * The pulse behaviour of one pin, for {@link perPin}: a command whose
 * `durationOf` is a number is a pulse, carried out now and followed by its
 * {@link SwitchBack} after that many ms (on the scheduler's clock, so virtual
 * inside `TestScheduler.run`), or at once when the pin is stopped; any other
 * command is carried out now and that is all. The pin's next command cancels
 * a pending switch-back (a write takes the pin over; a new pulse restarts
 * the timer).
 */
export const pulsing =
  <C extends { readonly pin: number }>(durationOf: (command: C) => number | undefined): Behaviour<C, C | SwitchBack> =>
  (command, stopped$) => {
    const ms = durationOf(command);
    if (ms === undefined) return [command];
    // The timer's end or the pin's stop, whichever comes first, then the switch-back.
    return concat(of(command), timer(ms).pipe(takeUntil(stopped$), ignoreElements()), of(switchBack(command.pin)));
  };

const pulseDurationOf = (c: Exclude<PulseCommand, { kind: 'stop' }>): number | undefined => (c.kind === 'pulse' ? c.durationMs : undefined);

const written = (w: Exclude<PulseCommand, { kind: 'stop' }> | SwitchBack): PulseWrite =>
  '_tag' in w ? pulseOff(w.pin) : w.kind === 'pulse' ? { pin: w.pin, level: PULSE_ON, cause: 'pulse-on' } : { pin: w.pin, level: w.level, cause: 'write' };

/**
 * Timed pulses on outputs: commands in, the writes to perform out, in order;
 * the {@link pulsing} behaviour run per pin by {@link perPin}. A pulse writes
 * 1 at once and 0 after its duration; a write to the pin during the pulse
 * cancels the switch-back; a new pulse restarts the timer.
 *
 * Shutdown leaves every line in its off level: a `stop` command, or the
 * command stream completing, emits the off write of each pulse in progress
 * at once, by pin number, then completes, and nothing comes after (an input
 * error, too, emits them before it is passed on). Unsubscribing instead
 * cancels the timers with no writes (a closed subscriber cannot receive
 * them), so a host that must turn lines off sends `stop` first.
 */
export const pulseOutputs = (command$: Observable<PulseCommand>): Observable<PulseWrite> =>
  defer(() => {
    // The pins commanded so far: the ones a stop must look at.
    const seen = new Set<number>();
    return command$.pipe(
      takeWhile((c): c is Exclude<PulseCommand, { kind: 'stop' }> => c.kind !== 'stop'),
      tap((c) => seen.add(c.pin)),
      thenStop(EMPTY, () => seen),
      perPin(pulsing(pulseDurationOf)),
      map(written),
    );
  });
