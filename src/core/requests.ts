/**
 * Requests, as plain data: what a requester may ask (`Request`), what a valid
 * one becomes (`Command`, carrying its answer's needs), and `decide`, the pure
 * function from one to the other. No I/O: streams/requests carries commands out.
 */
import * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import * as errors from './errors';
import type { ErrorMessage } from './errors';
import type { Level, PinSpec } from './model';
import { canonicalPin, parseLevel, parsePin } from './payload';
import { pulseDuration } from './pulse';
import { maxHz, parsePwmPayload, type PwmChange, type PwmSpec } from './pwm';
import { requestTopicParser, type RequestKind } from './topics';
import type { Either } from './either';

/**
 * How a requester asked to be answered, decoded at the MQTT boundary and
 * carried, untouched, to the answer.
 */
export interface Reply {
  /** The QoS the request arrived at: its answer goes out at no higher QoS. */
  readonly qos: 0 | 1 | 2;
  /** MQTT 5 response topic: the answer goes there too. */
  readonly responseTopic?: string;
  /** MQTT 5 correlation data, echoed with the answer. */
  readonly correlationData?: Uint8Array;
  /** MQTT 5 user properties, echoed with the answer. */
  readonly userProperties?: Readonly<Record<string, string | ReadonlyArray<string>>>;
}

/** A message from a requester, decoded at the MQTT boundary. */
export interface Request {
  readonly topic: string;
  readonly payload: string;
  /** Delivered by the broker from its retained store: an old command, not a live one. */
  readonly retained: boolean;
  /** Absent for requests from elsewhere than MQTT (a host app's own stream). */
  readonly reply?: Reply;
  /** Waited in the service's persistent session at the broker while the service was away. */
  readonly queued?: boolean;
}

/** Where a command came from when no requester asked for it: the failsafe (core/failsafe), after `afterMs` without the broker. */
export interface FailsafeOrigin {
  readonly _tag: 'Failsafe';
  readonly afterMs: number;
}

/**
 * A request that passed validation: what the driver is asked to do, carrying
 * what its answer needs (the request's topic, for an error answer, and how the
 * requester asked to be answered), so that nothing else has to remember who
 * asked. One case per kind of request: a new kind is a new case here, in
 * {@link decide} and where commands are carried out (streams/requests).
 */
export type Command =
  | { readonly _tag: 'Read'; readonly topic: string; readonly pin: number; readonly reply?: Reply }
  /** `origin`: set on a write no requester asked for (the failsafe's, core/failsafe); absent on a request's. */
  | { readonly _tag: 'Write'; readonly topic: string; readonly pin: number; readonly level: Level; readonly reply?: Reply; readonly origin?: FailsafeOrigin }
  /** Switch the output on (its active level) now, and off after `durationMs`. */
  | { readonly _tag: 'Pulse'; readonly topic: string; readonly pin: number; readonly durationMs: number; readonly reply?: Reply }
  | { readonly _tag: 'Simulate'; readonly topic: string; readonly pin: number; readonly level: Level; readonly reply?: Reply }
  /**
   * Change the output's PWM: what the request named; the rest stays as the
   * pin had it (core/pwm `applyPwm`, applied where the commands are carried
   * out). The line counts as on while the resulting duty is above 0.
   */
  | { readonly _tag: 'Pwm'; readonly topic: string; readonly pin: number; readonly change: PwmChange; readonly reply?: Reply };

/** The commands that drive an output line: each is run by its pin's behaviour (streams/per-pin), which the pin's next one cancels. */
export type OutputCommand = Extract<Command, { readonly _tag: 'Write' | 'Pulse' | 'Pwm' }>;

export const isOutputCommand = (c: Command): c is OutputCommand => c._tag === 'Write' || c._tag === 'Pulse' || c._tag === 'Pwm';

/** What each command does, as the error answer to a failed driver call words it: `Writing GPIO 8 failed: ...`. */
export const VERB: Readonly<Record<Command['_tag'], string>> = { Read: 'Reading', Write: 'Writing', Pulse: 'Pulsing', Simulate: 'Simulating', Pwm: 'Setting the PWM of' };

/** A request that is not carried out and not answered on MQTT, only logged. */
export interface Ignored {
  readonly _tag: 'Ignored';
  readonly topic: string;
  readonly reason: string;
  /** Set when the request was ignored for being retained: its kind, so the log can count them. */
  readonly retained?: RequestKind;
}

/** A request answered on the error topic (and a failed switch-back, which no request asked for). */
export interface Rejected {
  readonly _tag: 'Rejected';
  readonly error: ErrorMessage;
  /** Set on the answer to a request that carried one. */
  readonly reply?: Reply;
}

export type Decision = Either<Rejected | Ignored, Command>;

/** What the reducer knows: the pins and their directions, fixed at start-up. */
export interface PinTable {
  readonly thing: string;
  readonly directions: ReadonlyMap<number, PinSpec['direction']>;
  readonly inputs: ReadonlyArray<number>;
  readonly outputs: ReadonlyArray<number>;
  readonly acceptRetainedWrites: boolean;
  /** Apply retained requests of every kind (reads, writes, simulates); off by default. */
  readonly acceptRetainedRequests?: boolean;
  /** Refuse writes and simulates that waited in the persistent session's queue; reads are always answered. */
  readonly refuseQueuedWrites?: boolean;
  /** Whether `simulate` requests may set input lines (the simulated chip only). */
  readonly simulate: boolean;
  /** The outputs with `pwm:` and their configured PWM: the only pins that take PWM requests. */
  readonly pwmSettings: ReadonlyMap<number, PwmSpec>;
}

export const pinTable = (
  thing: string,
  pins: ReadonlyArray<PinSpec>,
  options: {
    readonly acceptRetainedWrites: boolean;
    readonly acceptRetainedRequests?: boolean;
    readonly refuseQueuedWrites?: boolean;
    readonly simulate: boolean;
  },
): PinTable => ({
  thing,
  directions: new Map(pins.map((p) => [p.pin, p.direction])),
  inputs: pins.filter((p) => p.direction === 'input').map((p) => p.pin),
  outputs: pins.filter((p) => p.direction === 'output').map((p) => p.pin),
  pwmSettings: new Map(pins.flatMap((p): Array<[number, PwmSpec]> => (p.direction === 'output' && p.pwm !== undefined ? [[p.pin, p.pwm]] : []))),
  ...options,
});

const ignored = (topic: string, reason: string): Ignored => ({ _tag: 'Ignored', topic, reason });

/**
 * A retained request is one the broker stored and delivers on every
 * subscription: applying it would replay an old command (a `simulate`, a
 * flood of bad reads) on every start.
 */
const RETAINED_IGNORED: Readonly<Record<RequestKind, string>> = {
  read: 'retained read ignored: the broker delivered a stored request, not a live one (set mqtt.acceptRetainedRequests: true to answer stored requests)',
  write: 'retained write ignored: the broker delivered a stored command, not a live one (set mqtt.acceptRetainedWrites: true to apply stored commands)',
  pulse: 'retained pulse ignored: the broker delivered a stored command, not a live one (set mqtt.acceptRetainedRequests: true to apply stored requests)',
  simulate: 'retained simulate ignored: the broker delivered a stored request, not a live one (set mqtt.acceptRetainedRequests: true to apply stored requests)',
  pwm: 'retained pwm ignored: the broker delivered a stored command, not a live one (set mqtt.acceptRetainedRequests: true to apply stored requests)',
};
/** An error answer, with how its request asked to be answered (when it did). */
export const rejected = (error: ErrorMessage, reply?: Reply): Rejected =>
  reply === undefined ? { _tag: 'Rejected', error } : { _tag: 'Rejected', error, reply };

/** A rejection, as a decision. */
const refuse = (error: ErrorMessage, reply: Reply | undefined): Decision => E.left(rejected(error, reply));

/** A command carrying the payload's level, or an `Invalid payload` rejection. */
const withLevel = (request: Request, command: (level: Level) => Command): Decision =>
  pipe(
    parseLevel(request.payload),
    E.bimap((bad) => rejected(errors.invalidPayload(request.topic, bad), request.reply), command),
  );

/**
 * The pure heart of the request path: validates a request against the topic
 * contract, the pin's direction and the payload. Every request gets exactly one
 * decision; nothing here touches a line.
 */
export const decide = (table: PinTable): ((request: Request) => Decision) => {
  const parseTopic = requestTopicParser(table.thing);
  return (request) => {
    const { topic, reply } = request;
    const parsed = parseTopic(topic);
    if (parsed === undefined) return E.left(ignored(topic, 'not a request topic of this thing'));
    if (request.retained && !table.acceptRetainedRequests && !(parsed.kind === 'write' && table.acceptRetainedWrites)) {
      return E.left({ ...ignored(topic, RETAINED_IGNORED[parsed.kind]), retained: parsed.kind });
    }
    if (request.queued === true && table.refuseQueuedWrites === true && parsed.kind !== 'read') {
      return refuse(errors.queuedWriteRefused(topic), reply);
    }
    const pin = parsePin(parsed.pinSegment);
    if (pin === undefined) return refuse(errors.invalidNumber(topic, parsed.pinSegment, canonicalPin(parsed.pinSegment)), reply);
    const direction = table.directions.get(pin);
    if (direction === undefined) return refuse(errors.unconfigured(topic, pin, table.inputs, table.outputs), reply);
    // The answer's reply rides on the command (undefined when the request had none: one shape for both).
    switch (parsed.kind) {
      case 'read':
        return E.right({ _tag: 'Read', topic, pin, reply });
      case 'write': {
        if (direction === 'input') return refuse(errors.writeToInput(topic, pin), reply);
        // The commonest request, decided without a closure: parseLevel's answer taken apart here.
        const level = parseLevel(request.payload);
        return E.isLeft(level) ? refuse(errors.invalidPayload(topic, level.left), reply) : E.right({ _tag: 'Write', topic, pin, level: level.right, reply });
      }
      case 'pulse':
        if (direction === 'input') return refuse(errors.pulseToInput(topic, pin), reply);
        return pipe(
          pulseDuration(request.payload),
          E.bimap(
            (reason) => rejected(errors.invalidPulse(topic, reason), reply),
            (durationMs): Command => ({ _tag: 'Pulse', topic, pin, durationMs, reply }),
          ),
        );
      case 'pwm': {
        if (direction === 'input') return refuse(errors.pwmToInput(topic, pin), reply);
        const pwm = table.pwmSettings.get(pin);
        if (pwm === undefined) return refuse(errors.pwmNotConfigured(topic, pin), reply);
        return pipe(
          parsePwmPayload(request.payload, maxHz(pwm)),
          E.bimap(
            (reason) => rejected(errors.invalidPwm(topic, reason), reply),
            (change): Command => ({ _tag: 'Pwm', topic, pin, change, reply }),
          ),
        );
      }
      case 'simulate':
        if (!table.simulate) return refuse(errors.simulationUnavailable(topic), reply);
        if (direction === 'output') return refuse(errors.simulateOutput(topic, pin), reply);
        return withLevel(request, (level) => ({ _tag: 'Simulate', topic, pin, level, reply }));
    }
  };
};
