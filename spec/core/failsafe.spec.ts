import { mqttContract } from '../../src/core/contract';
import { failsafesOf, failsafeWrite } from '../../src/core/failsafe';
import type { PinSpec } from '../../src/core/model';

const contract = mqttContract({ thing: 'pi', qos: 1, retainState: true, wallTime: () => 'now' });

describe('failsafe: the core', () => {
  it('reports a move on the error topic, in the seed error shape, not retained, naming the pin, its level, the delay and the time', () => {
    expect(contract({ _tag: 'FailsafeReport', topic: 'gpio/pi/17/write', pin: 17, level: 0, afterMs: 2000, timeMs: Date.UTC(2026, 11, 6, 3, 30, 0, 250) })).toEqual({
      messages: [
        {
          topic: 'gpio/pi/error',
          payload: JSON.stringify({
            topic: 'gpio/pi/17/write',
            error: 'Failsafe level set',
            long_description:
              'The broker connection was lost for 2000 ms (failsafeAfter), so GPIO 17 was set to its failsafe level 0 at 2026-12-06T03:30:00.250Z. It stays there until a write or a pulse sets it.',
          }),
          qos: 1,
          retain: false,
        },
      ],
    });
  });

  it('publishes nothing for the move itself: the state is published when the broker is back, the move is logged', () => {
    expect(contract({ _tag: 'FailsafeMoved', pin: 17, level: 0, afterMs: 2000 })).toEqual({ messages: [] });
  });

  it('makes a plain write of the logical level, with no reply and the failsafe as its origin', () => {
    expect(failsafeWrite('pi', { pin: 17, level: 1, afterMs: 500 })).toEqual({ _tag: 'Write', topic: 'gpio/pi/17/write', pin: 17, level: 1, origin: { _tag: 'Failsafe', afterMs: 500 } });
  });

  it('finds the outputs with a failsafe level, by pin number', () => {
    const pins: PinSpec[] = [
      { pin: 9, direction: 'output', initial: 0, activeLow: false, failsafe: { level: 1, afterMs: 10 } },
      { pin: 5, direction: 'input', bias: 'as-is', activeLow: false },
      { pin: 7, direction: 'output', initial: 'keep', activeLow: true, failsafe: { level: 0, afterMs: 20 } },
      { pin: 8, direction: 'output', initial: 1, activeLow: false },
    ];
    expect(failsafesOf(pins)).toEqual([
      { pin: 7, level: 0, afterMs: 20 },
      { pin: 9, level: 1, afterMs: 10 },
    ]);
  });
});
