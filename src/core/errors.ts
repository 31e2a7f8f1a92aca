/**
 * Every error the service publishes on `gpio/<thing>/error`, with its stable
 * `error` string. Only the first is documented by the seed connector, word for
 * word; the others are ours and listed in the README.
 */

/** The error topic's payload: exactly these three keys, in this order. */
export interface ErrorMessage {
  readonly topic: string;
  readonly error: string;
  readonly long_description: string;
}

export const ErrorKind = {
  invalidOperation: 'Invalid GPIO operation',
  unconfigured: 'Unconfigured GPIO',
  invalidNumber: 'Invalid GPIO number',
  invalidPayload: 'Invalid payload',
  driverFailure: 'GPIO driver failure',
  queuedWrite: 'Queued write refused',
  eventsLost: 'Edge events lost',
  interlock: 'Interlock',
  failsafe: 'Failsafe level set',
} as const;

const msg = (topic: string, error: string, long_description: string): ErrorMessage => ({
  topic,
  error,
  long_description,
});

export const writeToInput = (topic: string, pin: number): ErrorMessage =>
  msg(topic, ErrorKind.invalidOperation, `GPIO ${pin} is configured as an INPUT GPIO. Write operations are not permitted.`);

export const simulateOutput = (topic: string, pin: number): ErrorMessage =>
  msg(topic, ErrorKind.invalidOperation, `GPIO ${pin} is configured as an OUTPUT GPIO. Only INPUT GPIOs can be simulated.`);

export const unconfigured = (topic: string, pin: number, inputs: ReadonlyArray<number>, outputs: ReadonlyArray<number>): ErrorMessage =>
  msg(
    topic,
    ErrorKind.unconfigured,
    `GPIO ${pin} is not configured. Inputs: ${list(inputs)}; outputs: ${list(outputs)}.`,
  );

/** `canonical` is the pin the segment would be without its leading zeros, if that is all that is wrong. */
export const invalidNumber = (topic: string, segment: string, canonical?: string): ErrorMessage => {
  const example = topic.split('/').map((level, i) => (i === 2 ? (canonical ?? '17') : level)).join('/');
  return canonical === undefined
    ? msg(topic, ErrorKind.invalidNumber, `${JSON.stringify(segment)} is not a GPIO number. Use the BCM (SoC) GPIO number, for example ${example}.`)
    : msg(topic, ErrorKind.invalidNumber, `${JSON.stringify(segment)} is not a GPIO number: write the number without leading zeros, as in ${example}, where its state is published.`);
};

export const invalidPayload = (topic: string, payload: string): ErrorMessage =>
  msg(topic, ErrorKind.invalidPayload, `The payload must be 0 or 1, as an integer or a string ("0" or "1"); got ${JSON.stringify(clip(payload))}.`);

export const driverFailure = (topic: string, operation: string, pin: number, reason: string): ErrorMessage =>
  msg(topic, ErrorKind.driverFailure, `${operation} GPIO ${pin} failed: ${reason}`);

const list = (pins: ReadonlyArray<number>): string => (pins.length === 0 ? 'none' : pins.join(', '));

/** Payloads are echoed for the user's benefit, but never a whole 128 KB one. */
const clip = (s: string): string => (s.length > 64 ? `${s.slice(0, 64)}…` : s);

export const queuedWriteRefused = (topic: string): ErrorMessage =>
  msg(
    topic,
    ErrorKind.queuedWrite,
    'This request waited at the broker while the service was disconnected, and queued writes are refused (mqtt.queuedWrites: refuse). Send it again if it still applies.',
  );

export const simulationUnavailable = (topic: string): ErrorMessage =>
  msg(topic, ErrorKind.invalidOperation, 'Simulated inputs are only available with gpio.driver: sim.');

export const pulseToInput = (topic: string, pin: number): ErrorMessage =>
  msg(topic, ErrorKind.invalidOperation, `GPIO ${pin} is configured as an INPUT GPIO. Only OUTPUT GPIOs can be pulsed.`);

/** `reason` is the duration parser's sentence (core/pulse). */
export const invalidPulse = (topic: string, reason: string): ErrorMessage => msg(topic, ErrorKind.invalidPayload, reason);

/** The kernel's event queue overflowed: `missed` edges (at least) are gone, so levels were right but pulses may be uncounted. */
export const eventsLost = (topic: string, pin: number, missed: number | undefined): ErrorMessage =>
  msg(
    topic,
    ErrorKind.eventsLost,
    missed === undefined
      ? `The kernel's edge event queue for GPIO ${pin} was full when read: edges may have been lost (uAPI v1, libgpiod 1.x, does not number them), so a count may be short. The level published next is the line's true level.`
      : `The kernel's edge event queue overflowed before GPIO ${pin}'s events were read: ${missed} edge${missed === 1 ? ' was' : 's were'} lost, so a count may be short. The level published next is the line's true level.`,
  );

/** An interlock kept a command from switching its pin, or moved pins itself (core/interlock words the description). */
export const interlock = (topic: string, description: string): ErrorMessage => msg(topic, ErrorKind.interlock, description);

/** An output the failsafe moved while the broker was away (`time`: ISO 8601), said when it is back. */
export const failsafeLevelSet = (topic: string, pin: number, level: 0 | 1, afterMs: number, time: string): ErrorMessage =>
  msg(
    topic,
    ErrorKind.failsafe,
    `The broker connection was lost for ${afterMs} ms (failsafeAfter), so GPIO ${pin} was set to its failsafe level ${level} at ${time}. It stays there until a write or a pulse sets it.`,
  );
export const pwmToInput = (topic: string, pin: number): ErrorMessage =>
  msg(topic, ErrorKind.invalidOperation, `GPIO ${pin} is configured as an INPUT GPIO. Only OUTPUT GPIOs with pwm: in the config take PWM requests.`);

export const pwmNotConfigured = (topic: string, pin: number): ErrorMessage =>
  msg(topic, ErrorKind.invalidOperation, `GPIO ${pin} is an output without pwm: in the config. Give it pwm: {frequency: 1000} in pins: to take PWM requests.`);

/** `reason` is the PWM payload parser's sentence (core/pwm). */
export const invalidPwm = (topic: string, reason: string): ErrorMessage => msg(topic, ErrorKind.invalidPayload, reason);
