/**
 * The internal model every config form decodes to. Plain data, no I/O.
 */

import type { PwmSpec } from './pwm';

/** A line's logical level. */
export type Level = 0 | 1;

/** Input bias: `U` is pull-up, `D` pull-down, no suffix leaves the bias as it is. */
export type Bias = 'as-is' | 'pull-up' | 'pull-down';

/** Output start-up level: `H` is 1, `L` is 0, no suffix keeps the level the line has. */
export type InitialLevel = 'keep' | Level;

/** How Home Assistant shows a pin (per-pin form only); absent keys are not written out. */
export interface PinLabels {
  /** The entity's name in Home Assistant (default `GPIO <pin>`). */
  readonly name?: string;
  /** Home Assistant's `device_class`: a binary_sensor class for an input, `outlet` or `switch` for an output. */
  readonly deviceClass?: string;
}

/**
 * Where a pin's line is (per-pin form only): absent keys are the header
 * chip's line of the pin's own number, as the Greengrass strings always are.
 */
export interface PinLine {
  /**
   * The chip the line is on, as `gpio.chip` names one (a label such as
   * `mcp23017`, a name `gpiochip2`, or a number); absent: `gpio.chip`.
   */
  readonly chip?: string;
  /** The line's offset on its chip; absent: the pin's number. The pin's number stays what the topics carry. */
  readonly line?: number;
}

/** The line offset of a pin on its chip. */
export const lineOf = (p: PinLine & { readonly pin: number }): number => p.line ?? p.pin;

/**
 * How an input's changes are seen: `none` polls it every `pollPeriodMs` (the
 * Greengrass connector's way); the others watch the kernel's edge events
 * (always both edges, so `state` stays the line's true level) and name which
 * edges are the pin's events (its event topic).
 */
export type EdgeMode = 'none' | 'rising' | 'falling' | 'both';

/** Which edges a pin's pulse counter counts. */
export type CountMode = 'rising' | 'both';

export interface InputSpec extends PinLabels, PinLine {
  readonly pin: number;
  readonly direction: 'input';
  readonly bias: Bias;
  readonly activeLow: boolean;
  /** Absent: `none` (polled). The per-pin form's default is `both` (config/pin-entries). */
  readonly edge?: EdgeMode;
  /** A change is published only once the level has held this long, in ms; absent or 0: at once. */
  readonly debounceMs?: number;
  /** A pulse counter on `gpio/<thing>/<pin>/count`; absent: none. */
  readonly count?: CountMode;
  /** Publish each of the pin's edges (see `edge`) on `gpio/<thing>/<pin>/event`, with its timestamp. */
  readonly events?: boolean;
}

/** Whether an input is watched by edge events rather than polled. */
export const watchesEdges = (p: InputSpec): boolean => p.edge !== undefined && p.edge !== 'none';

export interface OutputSpec extends PinLabels, PinLine {
  readonly pin: number;
  readonly direction: 'output';
  readonly initial: InitialLevel;
  readonly activeLow: boolean;
  /**
   * The logical level the output goes to once the broker connection has been
   * lost for `afterMs` (core/failsafe, streams/failsafe); absent: it keeps its
   * level (`failsafe: keep`, the Greengrass connector's behaviour).
   */
  readonly failsafe?: { readonly level: Level; readonly afterMs: number };
  /**
   * PWM on the line (`pwm:` in the per-pin form): started at this frequency
   * and duty when the service starts; `gpio/<thing>/<pin>/pwm` changes it.
   * Software PWM on the GPIO line, or the hardware channel `hardware` names
   * (then the line is not requested from the GPIO chip: its pin is the PWM
   * block's). Absent: a plain on/off output, which refuses PWM requests.
   */
  readonly pwm?: PwmSpec;
}

export type PinSpec = InputSpec | OutputSpec;

/** Groups of outputs of which at most one is on at any instant (core/interlock), and the dead time between them. */
export interface Interlocks {
  /** Each group's pins, as configured: a pin is in one group at most, a group has two pins or more. */
  readonly groups: ReadonlyArray<ReadonlyArray<number>>;
  /** Milliseconds between one pin of a group going off and another of the group going on. */
  readonly delayMs: number;
}

/** A client the embedded broker lets in. */
export interface BrokerUser {
  readonly username: string;
  readonly password: string;
}

export type Broker =
  | {
      readonly kind: 'embedded';
      readonly host: string;
      readonly port: number;
      /** Who may connect; empty: anyone (only on loopback, or with `allowAnonymous`). */
      readonly users: ReadonlyArray<BrokerUser>;
      /** Anonymous clients on a host other than loopback, explicitly allowed. */
      readonly allowAnonymous: boolean;
    }
  | { readonly kind: 'url'; readonly url: string };

export interface MqttConfig {
  readonly broker: Broker;
  /** Defaults to `rpi-gpio-connector-<thingName>`: one per thing, so two things never kick each other off. */
  readonly clientId: string;
  readonly username?: string;
  readonly password?: string;
  /** File paths of PEM files for mqtts:// and wss:// (AWS IoT Core: Amazon Root CA, device certificate and key). */
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
  /** QoS of what the service publishes and subscribes to. */
  readonly qos: 0 | 1;
  /** Publish state messages retained, so a consumer that starts later sees the current level. */
  readonly retainState: boolean;
  /** Apply write commands the broker delivers as retained (old stored commands). Off by default. */
  readonly acceptRetainedWrites: boolean;
  /** 5 for MQTT 5; absent is MQTT 3.1.1 (4). */
  readonly protocolVersion?: 4 | 5;
  /** TLS ALPN protocols to offer; absent: automatic (`x-amzn-mqtt-ca` for AWS IoT Core on port 443). */
  readonly alpn?: ReadonlyArray<string>;
  /** Apply retained requests of every kind (read, write, simulate). Off by default. */
  readonly acceptRetainedRequests: boolean;
  /** A persistent session (clean: false): QoS 1 requests sent while the service is away wait at the broker. */
  readonly persistentSession: boolean;
  /** What to do with a write or simulate that waited in that queue. */
  readonly queuedWrites: 'apply' | 'refuse';
  /**
   * `false`: no snapshot on `gpio/<thing>/pins` and no read of all pins on
   * `gpio/<thing>/read`. Absent: both on (the default, except with an AWS IoT
   * Core endpoint, where `mqtt.snapshot: true` turns them on).
   */
  readonly snapshot?: false;
}

export type DriverKind = 'auto' | 'sim' | 'libgpiod' | 'cdev';

export interface GpioConfig {
  readonly driver: DriverKind;
  /** `auto`, a chip name (`gpiochip0`), a number, or a label: the chip of every pin that names none. */
  readonly chip: string;
  /** Number of lines on that chip: its pins' lines must be in 0..lines-1 (28 on the Pi header). Pins on other chips are checked against their chip when it opens. */
  readonly lines: number;
}

/** Home Assistant MQTT discovery, present only when it is switched on. */
export interface HomeAssistantConfig {
  /** The discovery prefix Home Assistant listens on (its default: `homeassistant`). */
  readonly prefix: string;
}

/** The Prometheus endpoint (`/metrics`, `/health`), present only when `metrics.port` is set. */
export interface MetricsConfig {
  readonly port: number;
  /** 127.0.0.1 unless the config names another address. */
  readonly host: string;
}

export interface Config {
  readonly thingName: string;
  /** Inputs first, then outputs, each in the order they were configured. */
  readonly pins: ReadonlyArray<PinSpec>;
  readonly pollPeriodMs: number;
  readonly mqtt: MqttConfig;
  readonly gpio: GpioConfig;
  /** Set when `homeAssistant.discovery` is true. */
  readonly homeAssistant?: HomeAssistantConfig;
  /** Set when `metrics.port` is: metrics are off otherwise, and cost nothing. */
  readonly metrics?: MetricsConfig;
  /** Set when the config has `interlocks`: outputs never on together. */
  readonly interlocks?: Interlocks;
  /** Greengrass parameters accepted for compatibility that have no meaning here (`GpioMem-ResourceId`). */
  readonly ignored: ReadonlyArray<string>;
}

export const inputsOf = (pins: ReadonlyArray<PinSpec>): ReadonlyArray<InputSpec> =>
  pins.filter((p): p is InputSpec => p.direction === 'input');

export const outputsOf = (pins: ReadonlyArray<PinSpec>): ReadonlyArray<OutputSpec> =>
  pins.filter((p): p is OutputSpec => p.direction === 'output');
