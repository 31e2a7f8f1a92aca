/**
 * Everything a test starts (service processes, MQTT clients, brokers)
 * registers here, and `cleanupAll` in an `afterEach` stops it even when the
 * test failed half way. Services stop first so they never see their broker
 * vanish during teardown, brokers last.
 */
type Stop = () => Promise<void>;

export const Order = { Service: 0, Client: 1, Broker: 2 } as const;
export type Order = (typeof Order)[keyof typeof Order];

const live = new Map<object, { order: Order; stop: Stop }>();

export function track(owner: object, order: Order, stop: Stop): void {
  live.set(owner, { order, stop });
}

export function untrack(owner: object): void {
  live.delete(owner);
}

/** Stops everything still running; reports every failure, not just the first. */
export async function cleanupAll(): Promise<void> {
  const entries = [...live.entries()].sort((a, b) => a[1].order - b[1].order);
  const errors: unknown[] = [];
  for (const [owner, { stop }] of entries) {
    try {
      await stop();
    } catch (err) {
      errors.push(err);
    }
    live.delete(owner);
  }
  if (errors.length > 0) {
    throw new Error(`cleanup failed: ${errors.map((e) => String(e)).join('; ')}`);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
