import { randomBytes } from 'node:crypto';
import mqtt, { type IClientOptions, type IClientPublishOptions, type MqttClient } from 'mqtt';
import { Order, track, untrack } from './cleanup';

/** A message as the tests see it: payload decoded as UTF-8. */
export interface Received {
  topic: string;
  payload: string;
  retain: boolean;
}

type Waiter = ((m: Received) => void) & { timer?: NodeJS.Timeout };

/**
 * An MQTT.js client that queues every message per topic from the moment it
 * arrives, so nothing is lost between `subscribe` and `next`.
 */
export class TestClient {
  private readonly queues = new Map<string, Received[]>();
  private readonly waiters = new Map<string, Waiter[]>();
  /** Every message received, in order, including those already consumed. */
  readonly received: Received[] = [];

  private constructor(readonly mqtt: MqttClient) {
    mqtt.on('message', (topic, payload, packet) => {
      const m: Received = { topic, payload: payload.toString('utf8'), retain: packet.retain };
      this.received.push(m);
      const waiting = this.waiters.get(topic);
      const waiter = waiting?.shift();
      if (waiter !== undefined) waiter(m);
      else this.queue(topic).push(m);
    });
  }

  /** Connects (retrying while the broker is not up yet) or fails after `timeoutMs`. */
  static connect(url: string, options: IClientOptions = {}, timeoutMs = 10_000): Promise<TestClient> {
    const client = mqtt.connect(url, {
      clientId: `spec-${randomBytes(6).toString('hex')}`,
      reconnectPeriod: 250,
      connectTimeout: 5_000,
      ...options,
    });
    const wrapper = new TestClient(client);
    track(wrapper, Order.Client, () => wrapper.end());
    return new Promise((resolve, reject) => {
      let lastError: Error | undefined;
      const onError = (err: Error): void => {
        lastError = err;
      };
      const timer = setTimeout(() => {
        client.off('error', onError);
        reject(new Error(`test client could not connect to ${url} within ${timeoutMs} ms: ${String(lastError)}`));
      }, timeoutMs);
      client.on('error', onError);
      client.once('connect', () => {
        clearTimeout(timer);
        client.off('error', onError);
        resolve(wrapper);
      });
    });
  }

  async subscribe(filters: string | string[], qos: 0 | 1 | 2 = 1): Promise<void> {
    const granted = await this.mqtt.subscribeAsync(filters, { qos });
    const refused = granted.filter((g) => g.qos === 128);
    if (refused.length > 0) throw new Error(`broker refused subscription to ${refused.map((g) => g.topic).join(', ')}`);
  }

  async publish(topic: string, payload: string | Buffer, options: IClientPublishOptions = {}): Promise<void> {
    await this.mqtt.publishAsync(topic, payload, { qos: 1, ...options });
  }

  /** The next message on exactly `topic`: a queued one, or the next to arrive. */
  next(topic: string, timeoutMs = 10_000): Promise<Received> {
    const queued = this.queue(topic).shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const waiting = this.waiters.get(topic) ?? [];
      this.waiters.set(topic, waiting);
      const waiter: Waiter = (m) => {
        clearTimeout(timer);
        resolve(m);
      };
      const timer = setTimeout(() => {
        const i = waiting.indexOf(waiter);
        if (i >= 0) waiting.splice(i, 1);
        reject(new Error(`no message on ${topic} within ${timeoutMs} ms; received so far: ${this.describe()}`));
      }, timeoutMs);
      waiter.timer = timer;
      waiting.push(waiter);
    });
  }

  /** The next `count` messages on `topic`. */
  async collect(topic: string, count: number, timeoutMs = 10_000): Promise<Received[]> {
    const out: Received[] = [];
    for (let i = 0; i < count; i++) out.push(await this.next(topic, timeoutMs));
    return out;
  }

  /** Skips messages on `topic` until one satisfies `pred`; returns it. */
  async until(topic: string, pred: (m: Received) => boolean, timeoutMs = 10_000): Promise<Received> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = await this.next(topic, Math.max(1, deadline - Date.now()));
      if (pred(m)) return m;
    }
  }

  /** Messages queued (arrived, not yet consumed) on `topic`, or on every topic. */
  pending(topic?: string): Received[] {
    if (topic !== undefined) return [...this.queue(topic)];
    return [...this.queues.values()].flat();
  }

  /** Forgets queued messages (on `topic`, or all), so that `next` only sees what arrives later. */
  drain(topic?: string): void {
    if (topic === undefined) this.queues.clear();
    else this.queues.delete(topic);
  }

  async end(): Promise<void> {
    untrack(this);
    for (const waiting of this.waiters.values()) {
      for (const w of waiting) clearTimeout(w.timer);
      waiting.length = 0;
    }
    await this.mqtt.endAsync(true);
  }

  private queue(topic: string): Received[] {
    let q = this.queues.get(topic);
    if (q === undefined) {
      q = [];
      this.queues.set(topic, q);
    }
    return q;
  }

  private describe(): string {
    if (this.received.length === 0) return '(nothing)';
    return this.received
      .slice(-20)
      .map((m) => `${m.topic}=${JSON.stringify(m.payload)}`)
      .join(', ');
  }
}
