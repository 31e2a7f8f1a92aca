/**
 * Requesters: MQTT.js clients that write output pins and wait for the state
 * answers, either closed loop (one request in flight: latency and throughput)
 * or pipelined (a bounded window in flight: load for the memory figure).
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import mqtt, { type MqttClient } from 'mqtt';
import { Order, track, untrack } from '../../spec/support/cleanup';

/** One round trip: when its answer arrived (performance.now()) and how long it took (ms). */
export interface Sample {
  readonly at: number;
  readonly ms: number;
}

type OnState = (pin: number, payload: string, at: number) => void;

export class Requester {
  private onState: OnState = () => undefined;

  private constructor(
    private readonly client: MqttClient,
    private readonly thing: string,
    readonly pins: ReadonlyArray<number>,
    private readonly qos: 0 | 1,
  ) {
    const prefix = `gpio/${thing}/`.length;
    client.on('message', (topic, payload) => {
      const at = performance.now();
      this.onState(Number(topic.slice(prefix, topic.lastIndexOf('/'))), payload.toString(), at);
    });
  }

  /** Connects and subscribes to the state topics of `pins` (its own pins: it sees no one else's answers). */
  static async connect(url: string, qos: 0 | 1, pins: ReadonlyArray<number>, thing = 't'): Promise<Requester> {
    const client = mqtt.connect(url, {
      clientId: `bench-req-${randomBytes(5).toString('hex')}`,
      clean: true,
      reconnectPeriod: 250,
      connectTimeout: 5_000,
      keepalive: 30,
    });
    const r = new Requester(client, thing, pins, qos);
    track(r, Order.Client, () => r.end());
    await new Promise<void>((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`requester could not connect to ${url}`)), 10_000);
      client.once('connect', () => {
        clearTimeout(timer);
        ok();
      });
    });
    await client.subscribeAsync(
      pins.map((p) => `gpio/${thing}/${p}/state`),
      { qos },
    );
    return r;
  }

  /** Writes its first pin until an answer arrives: the responder is connected and subscribed. */
  async probe(timeoutMs = 15_000): Promise<void> {
    const pin = this.pins[0] as number;
    const deadline = Date.now() + timeoutMs;
    await new Promise<void>((ok, fail) => {
      let timer: NodeJS.Timeout | undefined;
      this.onState = (p) => {
        if (p !== pin) return;
        clearTimeout(timer);
        this.onState = () => undefined;
        ok();
      };
      const send = () => {
        if (Date.now() > deadline) return fail(new Error(`no answer on gpio/${this.thing}/${pin}/state within ${timeoutMs} ms`));
        this.client.publish(`gpio/${this.thing}/${pin}/write`, '0', { qos: this.qos });
        timer = setTimeout(send, 200);
      };
      send();
    });
    // Let late answers to the probe's repeats arrive before anyone measures.
    await new Promise((ok) => setTimeout(ok, 200));
    this.onState = () => undefined;
  }

  /**
   * Closed loop on its first pin for `durationMs`: write 0/1 alternately, wait
   * for the state carrying that level, repeat. Every round trip is returned.
   */
  closedLoop(durationMs: number, answerTimeoutMs = 10_000): Promise<Sample[]> {
    const pin = this.pins[0] as number;
    const topic = `gpio/${this.thing}/${pin}/write`;
    const samples: Sample[] = [];
    return new Promise((ok, fail) => {
      const end = performance.now() + durationMs;
      let level = 0;
      let expected = '';
      let sentAt = 0;
      const watchdog = setInterval(() => {
        if (performance.now() - sentAt < answerTimeoutMs) return;
        clearInterval(watchdog);
        this.onState = () => undefined;
        fail(new Error(`no answer on gpio/${this.thing}/${pin}/state within ${answerTimeoutMs} ms`));
      }, 500);
      const send = () => {
        level ^= 1;
        expected = level === 1 ? '1' : '0';
        sentAt = performance.now();
        this.client.publish(topic, expected, { qos: this.qos });
      };
      this.onState = (p, payload, at) => {
        if (p !== pin || payload !== expected) return; // a stray (late probe answer)
        samples.push({ at, ms: at - sentAt });
        if (at < end) return send();
        clearInterval(watchdog);
        this.onState = () => undefined;
        ok(samples);
      };
      send();
    });
  }

  /**
   * Pipelined load: `count` writes over its pins in turn, at most `window`
   * unanswered at a time. `progress` is called with each answer. Resolves
   * with the answers counted; stops early if answers stall for `stallMs`.
   */
  pipelined(count: number, window: number, progress: () => void, stallMs = 10_000): Promise<{ sent: number; answered: number }> {
    return new Promise((ok) => {
      let sent = 0;
      let answered = 0;
      let next = 0;
      const levels = new Map<number, number>();
      let lastAt = performance.now();
      const stall = setInterval(() => {
        if (performance.now() - lastAt > stallMs) finish();
      }, 500);
      const finish = () => {
        clearInterval(stall);
        this.onState = () => undefined;
        ok({ sent, answered });
      };
      const send = () => {
        const pin = this.pins[next++ % this.pins.length] as number;
        const level = (levels.get(pin) ?? 0) ^ 1;
        levels.set(pin, level);
        sent += 1;
        this.client.publish(`gpio/${this.thing}/${pin}/write`, level === 1 ? '1' : '0', { qos: this.qos });
      };
      this.onState = () => {
        answered += 1;
        lastAt = performance.now();
        progress();
        if (sent < count) send();
        else if (answered >= sent) finish();
      };
      while (sent < Math.min(window, count)) send();
    });
  }

  async end(): Promise<void> {
    untrack(this);
    this.onState = () => undefined;
    await this.client.endAsync(true);
  }
}

/** Connects `n` requesters, the i-th on `pinsOf(i)`. */
export const connectRequesters = (
  n: number,
  url: string,
  qos: 0 | 1,
  pinsOf: (i: number) => ReadonlyArray<number>,
  thing = 't',
): Promise<Requester[]> => Promise.all(Array.from({ length: n }, (_, i) => Requester.connect(url, qos, pinsOf(i), thing)));
