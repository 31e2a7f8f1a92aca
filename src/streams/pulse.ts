import { Observable, type Subscription, timer } from 'rxjs';
import { planPulse, type PulseCommand, pulseOff, type PulsePlan, type PulseWrite } from '../core/pulse';

/**
 * Timed pulses on outputs: commands in, the writes to perform out, in order.
 * A pulse writes 1 at once and 0 after its duration (on the scheduler's
 * clock, so virtual inside `TestScheduler.run`); a write to the pin during
 * the pulse cancels the switch-back; a new pulse restarts the timer. What
 * each command means is the pure {@link planPulse}; this unit only keeps the
 * timers.
 *
 * Shutdown leaves every line in its off level: a `stop` command, or the
 * command stream completing, emits the off write of each pulse in progress
 * at once, then completes, and nothing comes after (an input error, too,
 * emits them before it is passed on). Unsubscribing instead
 * cancels the timers with no writes (a closed subscriber cannot receive
 * them), so a host that must turn lines off sends `stop` first.
 */
export const pulseOutputs = (command$: Observable<PulseCommand>): Observable<PulseWrite> =>
  new Observable<PulseWrite>((subscriber) => {
    const pending = new Map<number, Subscription>();
    const apply = (plan: PulsePlan): void => {
      for (const pin of plan.cancel) {
        pending.get(pin)?.unsubscribe();
        pending.delete(pin);
      }
      for (const write of plan.writes) subscriber.next(write);
      // A subscriber that reacted to a write by closing us must not get a timer that outlives it.
      if (plan.schedule === undefined || subscriber.closed) return;
      const { pin, durationMs } = plan.schedule;
      pending.set(
        pin,
        timer(durationMs).subscribe(() => {
          pending.delete(pin);
          subscriber.next(pulseOff(pin));
        }),
      );
    };
    const stopAll = (): void => apply(planPulse(new Set(pending.keys()), { kind: 'stop' }));
    const source = command$.subscribe({
      next: (command) => {
        const plan = planPulse(new Set(pending.keys()), command);
        apply(plan);
        if (plan.done) subscriber.complete();
      },
      // Unexpected (errors are values upstream), but the lines still end off.
      error: (e: unknown) => {
        stopAll();
        subscriber.error(e);
      },
      complete: () => {
        stopAll();
        subscriber.complete();
      },
    });
    return () => {
      source.unsubscribe();
      for (const t of pending.values()) t.unsubscribe();
    };
  });
