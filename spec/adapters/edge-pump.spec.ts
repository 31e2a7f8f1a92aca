import { edgePump } from '../../src/adapters/gpio/edge-pump';
import type { KernelEdge } from '../../src/core/driver';

// The pump between a kernel event queue and the stream, driven by a scripted
// queue: what `read` would find on the fd each time it is called.
const edge = (n: number): KernelEdge => ({ pin: 5, rising: n % 2 === 0, timestampNs: BigInt(n), seqno: n });

/** A queue that gains `arriving` edges between two reads (a burst still going on), `total` in all. */
const queue = (initial: number, arriving: number, total: number) => {
  let next = 0;
  let reads = 0;
  const take = (k: number) => {
    const out: KernelEdge[] = [];
    for (let i = 0; i < k && next < total; i++) out.push(edge(next++));
    return out;
  };
  return {
    read: () => take(reads++ === 0 ? initial : arriving),
    get reads() {
      return reads;
    },
  };
};

describe('edgePump', () => {
  it('hands on every edge in order, reading the queue again every few edges while it hands a batch on', () => {
    const q = queue(8, 3, 40);
    const got: number[] = [];
    const pump = edgePump(q.read, (e) => got.push(Number(e.timestampNs)), (e) => { throw e; }, { every: 4, perTurn: 1000 });
    pump.readable();
    expect(got).toEqual(Array.from({ length: 40 }, (_, i) => i));
    // One read on wake-up, then one every 4 edges handed on: the kernel's queue never waited for the whole batch.
    expect(q.reads).toBeGreaterThanOrEqual(1 + Math.floor(40 / 4));
  });

  it('yields to the event loop after perTurn edges and goes on by itself', async () => {
    const q = queue(100, 0, 100);
    const got: number[] = [];
    const pump = edgePump(q.read, (e) => got.push(Number(e.timestampNs)), (e) => { throw e; }, { every: 1000, perTurn: 30 });
    pump.readable();
    expect(got).toHaveLength(30);
    await new Promise((r) => setImmediate(r));
    expect(got).toHaveLength(60);
    await new Promise((r) => setTimeout(r, 20));
    expect(got).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('stops handing on when stopped, and reports a read failure once, then stops', async () => {
    const q = queue(100, 0, 100);
    const got: number[] = [];
    const pump = edgePump(q.read, (e) => got.push(Number(e.timestampNs)), () => undefined, { every: 1000, perTurn: 10 });
    pump.readable();
    pump.stop();
    await new Promise((r) => setTimeout(r, 20));
    expect(got).toHaveLength(10);

    const errors: unknown[] = [];
    let calls = 0;
    const failing = edgePump(
      () => {
        calls += 1;
        if (calls > 1) throw new Error('EIO');
        return [edge(0), edge(1)];
      },
      () => undefined,
      (e) => errors.push(e),
      { every: 1, perTurn: 10 },
    );
    failing.readable();
    failing.readable();
    expect(errors).toEqual([new Error('EIO')]);
  });
});
