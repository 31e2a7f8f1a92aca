import * as E from 'fp-ts/Either';
import { filter, map, share, Subject, take, toArray, lastValueFrom, merge, timer, takeUntil } from 'rxjs';
// The package's entry point, as a host app imports it.
import { connector, decodeConfig, isRejected, isState, openSimDriver, type Request } from '../../src/index';

describe('embedding the connector in a host RxJS app (no MQTT)', () => {
  it('takes the host\'s request stream and driver, and gives it states and errors', async () => {
    const config = E.getOrElseW((p: ReadonlyArray<string>) => { throw new Error(p.join('\n')); })(
      decodeConfig({ thingName: 'host', InputGpios: '5U', OutputGpios: '8L' }, {}),
    );
    const driver = E.getOrElseW((e: string) => { throw new Error(e); })(openSimDriver(config.pins));
    const request$ = new Subject<Request>();
    const out$ = connector({ request$ }, { ...config, driver }).pipe(share());
    const stop$ = timer(2_000);
    const states = lastValueFrom(
      out$.pipe(filter(isState), map(({ pin, level }) => `${pin}=${level}`), take(4), takeUntil(stop$), toArray()),
    );
    const errors = lastValueFrom(out$.pipe(filter(isRejected), map((r) => r.error.error), take(1), takeUntil(stop$), toArray()));

    request$.next({ topic: 'gpio/host/8/write', payload: '1', retained: false });
    request$.next({ topic: 'gpio/host/5/write', payload: '1', retained: false });
    request$.next({ topic: 'gpio/host/5/read', payload: '', retained: false });

    // Output 8's start-up level comes at subscription; the answers to the synchronous
    // requests (the write, then the read) come before the first poll tick, which is async.
    expect(await states).toEqual(['8=0', '8=1', '5=1', '5=1']);
    expect(await errors).toEqual(['Invalid GPIO operation']);
    driver.close();
  });

  it('stops polling when the host unsubscribes', async () => {
    const driver = E.getOrElseW((e: string) => { throw new Error(e); })(
      openSimDriver([{ pin: 5, direction: 'input', bias: 'as-is', activeLow: false }]),
    );
    let reads = 0;
    const counting = { ...driver, readInputs: () => ((reads += 1), driver.readInputs()) };
    const sub = merge(connector({ request$: new Subject<Request>() }, { thingName: 'h', pins: [], pollPeriodMs: 5, driver: counting })).subscribe();
    await new Promise((r) => setTimeout(r, 50));
    sub.unsubscribe();
    const atStop = reads;
    expect(atStop).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 50));
    expect(reads).toBe(atStop);
  });
});
