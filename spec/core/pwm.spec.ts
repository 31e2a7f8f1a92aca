import * as E from 'fp-ts/Either';
import fc from 'fast-check';
import { decodeConfig } from '../../src/core/config';
import { mqttContract } from '../../src/core/contract';
import { ALL_COMPONENTS, announcements, componentOf, ownConfigFilters } from '../../src/core/discovery';
import type { PinSpec } from '../../src/core/model';
import { pwmState } from '../../src/core/outputs';
import { applyPwm, formatPwm, parsePwmPayload, periodNs, pwmAtLevel, pwmIsOn, PWM_MAX_HZ, PWM_MIN_HZ } from '../../src/core/pwm';
import { decide, pinTable, type Request } from '../../src/core/requests';
import { isAnswerableResponseTopic, requestFilters, requestTopicParser } from '../../src/core/topics';

describe('parsePwmPayload', () => {
  it.each([
    ['{"duty":0.25}', { duty: 0.25 }],
    ['{"duty":"25%"}', { duty: 0.25 }],
    ['{"duty":"12.5 %"}', { duty: 0.125 }],
    ['25%', { duty: 0.25 }],
    [' "100%" ', { duty: 1 }],
    ['0%', { duty: 0 }],
    ['{"frequency":1000}', { frequency: 1000 }],
    ['{"frequency":1,"duty":1}', { frequency: 1, duty: 1 }],
    ['{"duty":0,"frequency":10000}', { frequency: 10000, duty: 0 }],
    ['{"frequency":2.5}', { frequency: 2.5 }],
  ])('reads %s', (payload, change) => {
    expect(parsePwmPayload(payload)).toEqual(E.right(change));
  });

  it.each([
    ['{"duty":1.5}', 'In the PWM payload, the duty must be from 0 to 1 (or a percentage like "25%"), got 1.5.'],
    ['{"duty":-0.1}', 'In the PWM payload, the duty must be from 0 to 1 (or a percentage like "25%"), got -0.1.'],
    ['{"duty":"101%"}', 'In the PWM payload, the duty must be from 0 to 1 or a percentage from "0%" to "100%", got "101%".'],
    ['{"duty":null}', 'In the PWM payload, the duty must be a number from 0 to 1 or a percentage like "25%", got null.'],
    ['{"frequency":0.5}', `In the PWM payload, the frequency must be a number of Hz from ${PWM_MIN_HZ} to ${PWM_MAX_HZ}, got 0.5.`],
    ['{"frequency":10001}', `In the PWM payload, the frequency must be a number of Hz from ${PWM_MIN_HZ} to ${PWM_MAX_HZ}, got 10001.`],
    ['{"frequency":"1000"}', `In the PWM payload, the frequency must be a number of Hz from ${PWM_MIN_HZ} to ${PWM_MAX_HZ}, got "1000".`],
    ['{}', 'The PWM payload names neither "duty" nor "frequency". Send {"duty":0.25}, {"duty":"25%"}, 25%, {"frequency":1000} or both keys.'],
    ['{"dutty":0.5}', 'Unknown key "dutty" in the PWM payload: only "duty" and "frequency". Send {"duty":0.25}, {"duty":"25%"}, 25%, {"frequency":1000} or both keys.'],
    ['[0.5]', 'The PWM payload must be a JSON object or a percentage; got "[0.5]". Send {"duty":0.25}, {"duty":"25%"}, 25%, {"frequency":1000} or both keys.'],
    ['0.5', 'The PWM payload must be a JSON object or a percentage; got "0.5". Send {"duty":0.25}, {"duty":"25%"}, 25%, {"frequency":1000} or both keys.'],
    ['half', 'The PWM payload must be JSON or a percentage; got "half". Send {"duty":0.25}, {"duty":"25%"}, 25%, {"frequency":1000} or both keys.'],
  ])('refuses %s with a sentence for the error topic', (payload, reason) => {
    expect(parsePwmPayload(payload)).toEqual(E.left(reason));
  });

  it('never throws, and accepts only duties in 0..1 and frequencies in bounds', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (payload) => {
        const r = parsePwmPayload(payload);
        if (E.isRight(r)) {
          if (r.right.duty !== undefined) expect(r.right.duty >= 0 && r.right.duty <= 1).toBe(true);
          if (r.right.frequency !== undefined) expect(r.right.frequency >= PWM_MIN_HZ && r.right.frequency <= PWM_MAX_HZ).toBe(true);
        }
      }),
    );
  });
});

describe('PWM settings', () => {
  const running = { frequency: 100, duty: 0.5 };
  it('completes a partial change from the pin\'s last setting', () => {
    expect(applyPwm(running, { duty: 0.1 })).toEqual({ frequency: 100, duty: 0.1 });
    expect(applyPwm(running, { frequency: 1000 })).toEqual({ frequency: 1000, duty: 0.5 });
    expect(applyPwm(running, { frequency: 7, duty: 1 })).toEqual({ frequency: 7, duty: 1 });
  });

  it('a write holds the line at its level: a duty of 0 or 1 at the same frequency', () => {
    expect(pwmAtLevel(running, 0)).toEqual({ frequency: 100, duty: 0 });
    expect(pwmAtLevel(running, 1)).toEqual({ frequency: 100, duty: 1 });
  });

  it('counts a duty above 0 as on (what an interlock looks at)', () => {
    expect(pwmIsOn({ frequency: 100, duty: 0 })).toBe(false);
    expect(pwmIsOn({ frequency: 100, duty: 0.01 })).toBe(true);
  });

  it('splits a period in whole nanoseconds that add up to it', () => {
    expect(periodNs({ frequency: 1000, duty: 0.1 })).toEqual({ highNs: 100_000, lowNs: 900_000 });
    expect(periodNs({ frequency: 100, duty: 0.9 })).toEqual({ highNs: 9_000_000, lowNs: 1_000_000 });
    expect(periodNs({ frequency: 3, duty: 1 })).toEqual({ highNs: 333_333_333, lowNs: 0 });
    expect(periodNs({ frequency: 3, duty: 0 })).toEqual({ highNs: 0, lowNs: 333_333_333 });
  });

  it('formats the state payload as JSON', () => {
    expect(formatPwm({ frequency: 1000, duty: 0.25 })).toBe('{"frequency":1000,"duty":0.25}');
  });
});

describe('PWM topics and requests', () => {
  const pins: PinSpec[] = [
    { pin: 5, direction: 'input', bias: 'as-is', activeLow: false },
    { pin: 8, direction: 'output', initial: 0, activeLow: false },
    { pin: 12, direction: 'output', initial: 0, activeLow: false, pwm: { frequency: 1000, duty: 0.25 } },
  ];
  const table = pinTable('t', pins, { acceptRetainedWrites: false, simulate: false });
  const run = decide(table);
  const req = (topic: string, payload: string, retained = false): Request => ({ topic, payload, retained, reply: { qos: 1 } });

  it('subscribes to pwm requests only when an output has pwm:', () => {
    expect(requestFilters('t', false, true)).toEqual(['gpio/t/+/read', 'gpio/t/+/write', 'gpio/t/+/pulse', 'gpio/t/+/pwm']);
    expect(requestFilters('t', false)).not.toContain('gpio/t/+/pwm');
    expect(requestTopicParser('t')('gpio/t/12/pwm')).toEqual({ kind: 'pwm', pinSegment: '12' });
    // The state topic is the service's own, never a request.
    expect(requestTopicParser('t')('gpio/t/12/pwm/state')).toBeUndefined();
    expect(isAnswerableResponseTopic('gpio/t/12/pwm')).toBe(false);
    expect(isAnswerableResponseTopic('gpio/t/12/pwm/state')).toBe(true);
  });

  it('turns a PWM request to a PWM output into a Pwm command carrying its reply', () => {
    expect(run(req('gpio/t/12/pwm', '{"duty":"50%"}'))).toEqual(E.right({ _tag: 'Pwm', topic: 'gpio/t/12/pwm', pin: 12, change: { duty: 0.5 }, reply: { qos: 1 } }));
  });

  it('refuses PWM on an input, on an output without pwm:, and a bad payload, on the error topic', () => {
    expect(run(req('gpio/t/5/pwm', '50%'))).toEqual(
      E.left({ _tag: 'Rejected', reply: { qos: 1 }, error: { topic: 'gpio/t/5/pwm', error: 'Invalid GPIO operation', long_description: 'GPIO 5 is configured as an INPUT GPIO. Only OUTPUT GPIOs with pwm: in the config take PWM requests.' } }),
    );
    expect(run(req('gpio/t/8/pwm', '50%'))).toEqual(
      E.left({
        _tag: 'Rejected',
        reply: { qos: 1 },
        error: { topic: 'gpio/t/8/pwm', error: 'Invalid GPIO operation', long_description: 'GPIO 8 is an output without pwm: in the config. Give it pwm: {frequency: 1000} in pins: to take PWM requests.' },
      }),
    );
    const bad = run(req('gpio/t/12/pwm', '{"duty":2}'));
    expect(E.isLeft(bad) && bad.left._tag === 'Rejected' && bad.left.error.error).toBe('Invalid payload');
    expect(run(req('gpio/t/9/pwm', '50%'))).toEqual(
      E.left({ _tag: 'Rejected', reply: { qos: 1 }, error: { topic: 'gpio/t/9/pwm', error: 'Unconfigured GPIO', long_description: 'GPIO 9 is not configured. Inputs: 5; outputs: 8, 12.' } }),
    );
  });

  it('takes a hardware channel\'s frequencies to 1 MHz, software PWM\'s to 10 kHz', () => {
    const hw = decide(pinTable('t', [...pins, { pin: 18, direction: 'output', initial: 0, activeLow: false, pwm: { frequency: 100, duty: 0, hardware: { chip: 'pwmchip0', channel: 0 } } }], { acceptRetainedWrites: false, simulate: false }));
    expect(hw(req('gpio/t/18/pwm', '{"frequency":25000}'))).toEqual(E.right({ _tag: 'Pwm', topic: 'gpio/t/18/pwm', pin: 18, change: { frequency: 25000 }, reply: { qos: 1 } }));
    const sw = hw(req('gpio/t/12/pwm', '{"frequency":25000}'));
    expect(E.isLeft(sw) && sw.left._tag === 'Rejected' && sw.left.error.long_description).toBe('In the PWM payload, the frequency must be a number of Hz from 1 to 10000, got 25000.');
  });

  it('ignores a retained PWM request unless retained requests are accepted', () => {
    const d = run(req('gpio/t/12/pwm', '50%', true));
    expect(E.isLeft(d) && d.left._tag).toBe('Ignored');
  });

  it('publishes the setting on pwm/state as the contract says, with retainState', () => {
    const contract = mqttContract({ thing: 't', qos: 1, retainState: true, wallTime: () => '' });
    expect(contract(pwmState(12, { frequency: 1000, duty: 0.25 }))).toEqual({ messages: [{ topic: 'gpio/t/12/pwm/state', payload: '{"frequency":1000,"duty":0.25}', qos: 1, retain: true }] });
    expect(contract(pwmState(12, { frequency: 50, duty: 1 }, { qos: 0, responseTopic: 'app/answers' }))).toEqual({
      messages: [
        { topic: 'gpio/t/12/pwm/state', payload: '{"frequency":50,"duty":1}', qos: 0, retain: true },
        { topic: 'app/answers', payload: '{"frequency":50,"duty":1}', qos: 0, retain: false },
      ],
    });
  });
});

describe('pwm: in the config', () => {
  const env = { AWS_IOT_THING_NAME: 't1' };
  const decode = (pin: Record<string, unknown>) => decodeConfig({ pins: [{ pin: 12, direction: 'output', ...pin }] }, env);

  it('decodes frequency and duty (a fraction or a percentage; duty 0 when absent), and starts the line at the level the duty holds', () => {
    const r = decode({ pwm: { frequency: 1000, duty: '25%' } });
    expect(E.isRight(r) && r.right.pins).toEqual([{ pin: 12, direction: 'output', initial: 0, activeLow: false, pwm: { frequency: 1000, duty: 0.25 } }]);
    const full = decode({ pwm: { frequency: 50, duty: 1 } });
    expect(E.isRight(full) && full.right.pins[0]).toMatchObject({ initial: 1, pwm: { frequency: 50, duty: 1 } });
    const off = decode({ pwm: { frequency: 50 } });
    expect(E.isRight(off) && off.right.pins[0]).toMatchObject({ initial: 0, pwm: { frequency: 50, duty: 0 } });
  });

  it('decodes hardware PWM (chip and channel), whose frequency goes to 1 MHz', () => {
    const r = decode({ pwm: { frequency: 25000, duty: 0.4, chip: 'rp1-pwm', channel: 2 } });
    expect(E.isRight(r) && r.right.pins[0]).toMatchObject({ pwm: { frequency: 25000, duty: 0.4, hardware: { chip: 'rp1-pwm', channel: 2 } } });
  });

  it('lists every problem by path', () => {
    expect(decode({ pwm: { frequency: 20000, duty: 2, phase: 1 } })).toEqual(
      E.left([
        'pins[0].pwm.duty: the duty must be from 0 to 1 (or a percentage like "25%"), got 2',
        'pins[0].pwm.phase: unknown key',
        'pins[0].pwm.frequency: the frequency must be a number of Hz from 1 to 10000, got 20000 (software PWM; hardware PWM, with chip and channel, goes to 1000000)',
      ]),
    );
    expect(decode({ pwm: { frequency: 2e6, chip: 'pwmchip0', channel: 16 } })).toEqual(
      E.left(['pins[0].pwm.frequency: the frequency must be a number of Hz from 1 to 1000000, got 2000000', 'pins[0].pwm.channel: expected an integer 0-15, got 16']),
    );
    expect(decode({ pwm: { frequency: 100, chip: 'pwmchip0' } })).toEqual(E.left(["pins[0].pwm.channel: missing: hardware PWM (chip) needs its channel, pwmN's N"]));
    expect(decode({ pwm: { frequency: 100, channel: 1 } })).toEqual(E.left(['pins[0].pwm.chip: missing: hardware PWM (channel) needs its chip, a pwmchip name, number, device or driver']));
    expect(decode({ pwm: { duty: 0.5 } })).toEqual(E.left(['pins[0].pwm.frequency: missing, expected a frequency in Hz']));
    expect(decode({ pwm: 1000 })).toEqual(E.left(['pins[0].pwm: expected a mapping like {frequency: 1000, duty: 0.25}, got 1000']));
    expect(decode({ initial: 'high', pwm: { frequency: 100 } })).toEqual(E.left(['pins[0].initial: a PWM output starts at its pwm.duty: leave initial out']));
    expect(decodeConfig({ pins: [{ pin: 5, direction: 'input', pwm: { frequency: 100 } }] }, env)).toEqual(E.left(['pins[0].pwm: only for outputs']));
  });
});

describe('Home Assistant discovery of a PWM output', () => {
  const spec: PinSpec = { pin: 12, direction: 'output', initial: 0, activeLow: false, name: 'Desk lamp', deviceClass: 'outlet', pwm: { frequency: 1000, duty: 0 } };
  const o = { prefix: 'homeassistant', qos: 1 as const, version: '1.2.3' };

  it('announces it as a light with brightness on the pwm topics, and a plain output as a switch still', () => {
    const [light] = announcements('pi', [spec], o);
    expect(light?.topic).toBe('homeassistant/light/rpi-gpio-connector_pi/gpio12/config');
    const config = JSON.parse(light?.payload ?? '{}') as Record<string, unknown>;
    expect(config).toMatchObject({
      name: 'Desk lamp',
      command_topic: 'gpio/pi/12/write',
      payload_on: '1',
      payload_off: '0',
      state_topic: 'gpio/pi/12/pwm/state',
      brightness_command_topic: 'gpio/pi/12/pwm',
      brightness_command_template: '{{ value }}%',
      brightness_scale: 100,
      brightness_state_topic: 'gpio/pi/12/pwm/state',
      on_command_type: 'brightness',
    });
    expect(config).not.toHaveProperty('device_class');
    expect(componentOf({ ...spec, pwm: undefined } as PinSpec)).toBe('switch');
    expect(ownConfigFilters('homeassistant', 'pi', ALL_COMPONENTS)).toContain('homeassistant/light/rpi-gpio-connector_pi/+/config');
  });

  it('sends what the pwm topic takes: the brightness command template gives a percentage the payload parser reads', () => {
    // Home Assistant renders `{{ value }}%` with the brightness scaled to 0..100.
    for (const value of [0, 1, 37, 100]) expect(parsePwmPayload(`${value}%`)).toEqual(E.right({ duty: value / 100 }));
  });
});
