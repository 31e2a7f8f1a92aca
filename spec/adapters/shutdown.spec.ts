import { createLogger } from '../../src/adapters/log/logger';
import { shutdownOnce, within } from '../../src/adapters/shutdown';

// The service's way out, without the service: steps run once, the first
// reason's exit code is the one used, and past the budget the exit is forced.
const logs = () => {
  const lines: Array<Record<string, unknown>> = [];
  return { lines, log: createLogger({ write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) }) };
};

describe('shutdownOnce', () => {
  it('runs the steps once, with the first reason and its code; stopping turns true at the first call', async () => {
    const { lines, log } = logs();
    const codes: number[] = [];
    const exits: number[] = [];
    const shutdown = shutdownOnce(async (code) => void codes.push(code), { log, exit: (c) => exits.push(c) });
    expect(shutdown.stopping()).toBe(false);
    const first = shutdown.stop('pipeline failure', 1);
    expect(shutdown.stopping()).toBe(true);
    await shutdown.stop('SIGTERM');
    await first;
    expect(codes).toEqual([1]);
    expect(lines.map((l) => [l['msg'], l['reason']])).toEqual([['shutting down', 'pipeline failure']]);
    expect(exits).toEqual([]);
  });

  it('forces the exit with that code when the steps outlast the budget', async () => {
    const { lines, log } = logs();
    const exited = new Promise<number>((resolve) => {
      const shutdown = shutdownOnce(() => new Promise<void>(() => undefined), { log, exit: resolve, budgetMs: 20 });
      void shutdown.stop('SIGINT', 3);
    });
    expect(await exited).toBe(3);
    expect(lines.map((l) => [l['level'], l['msg']])).toEqual([
      ['info', 'shutting down'],
      ['warn', 'shutdown took too long: forcing exit'],
    ]);
  });
});

describe('within', () => {
  it('gives the value of a promise that settles in time, undefined for one that does not or for none', async () => {
    expect(await within(Promise.resolve(7), 1000)).toBe(7);
    expect(await within(new Promise<number>(() => undefined), 10)).toBeUndefined();
    expect(await within(undefined, 1000)).toBeUndefined();
  });
});
