import * as E from 'fp-ts/Either';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadNativeAddon, V2Flag } from '../../src/adapters/gpio/native/addon';
import { acrossChips, oneSequence, openCdevDriver, requestConfig } from '../../src/adapters/gpio/cdev/driver';
import type { PinSpec } from '../../src/core/model';

// The uAPI v2 driver's own decisions, and its start-up errors on a machine
// without a GPIO chip, through the real addon (its own spec: native.spec.ts). Its behaviour on real lines is
// proven on the kernel's gpio-sim by `npm run test:hardware` (spec/contract,
// spec/kernel): this kernel has no GPIO chip to request lines from.

const IN = V2Flag.INPUT;
const OUT = V2Flag.OUTPUT;

describe('one uAPI v2 request for every line', () => {
  it('takes the most common flag set as the default and gives every other set an attribute', () => {
    const flags = [IN, IN | V2Flag.BIAS_PULL_UP, IN, IN | V2Flag.BIAS_PULL_DOWN, OUT, OUT | V2Flag.ACTIVE_LOW, IN];
    const initial = [undefined, undefined, undefined, undefined, 1, 0, undefined] as const;
    expect(requestConfig(flags, initial)).toEqual(
      E.right({
        flags: IN,
        attrs: [
          { indices: [1], flags: IN | V2Flag.BIAS_PULL_UP },
          { indices: [3], flags: IN | V2Flag.BIAS_PULL_DOWN },
          { indices: [4], flags: OUT },
          { indices: [5], flags: OUT | V2Flag.ACTIVE_LOW },
          // The outputs' first levels: logical, the active ones listed.
          { indices: [4, 5], values: [4] },
        ],
      }),
    );
  });

  it('needs no attribute when every line is alike, and none for levels without outputs', () => {
    expect(requestConfig([IN, IN], [undefined, undefined])).toEqual(E.right({ flags: IN, attrs: [] }));
  });

  it('refuses, with a message, more distinct settings than the kernel takes in one request (10)', () => {
    const flags = Array.from({ length: 11 }, (_, i) => IN | (i << 16));
    expect(E.map((c: { attrs: unknown[] }) => c.attrs.length)(requestConfig(flags, []))).toEqual(E.right(10));
    expect(requestConfig([...flags, IN | (12 << 16)], [])).toEqual(
      E.left("these pins need 11 line attributes (settings beyond the first, and the outputs' first levels); one request of the GPIO character device carries at most 10"),
    );
  });
});

describe('the uAPI v2 driver without a GPIO chip, through the real addon', () => {
  const pins: PinSpec[] = [{ pin: 5, direction: 'input', bias: 'pull-up', activeLow: false }];
  let dev: string;
  beforeEach(() => {
    dev = mkdtempSync(join(tmpdir(), 'cdev-dev-'));
  });
  afterEach(() => rmSync(dev, { recursive: true, force: true }));

  it('no chip at all', () => {
    expect(openCdevDriver(pins, 'auto', loadNativeAddon, dev)).toEqual(E.left(expect.stringMatching(/^no GPIO chip found: there is no \/dev\/gpiochip\* device/)));
    expect(openCdevDriver(pins, 'gpiochip4', loadNativeAddon, dev)).toEqual(E.left('GPIO chip gpiochip4 not found: there is no /dev/gpiochip* device on this machine'));
  });

  it('a device file that is not a GPIO chip: says what the kernel answered', () => {
    writeFileSync(join(dev, 'gpiochip0'), '');
    expect(openCdevDriver(pins, 'auto', loadNativeAddon, dev)).toEqual(E.left(expect.stringMatching(/^cannot open GPIO chip gpiochip0: ENOTTY: /)));
  });

  it('without the addon: says how to build it', () => {
    expect(openCdevDriver(pins, 'auto', () => E.left('the GPIO addon is not built (...)'), dev)).toEqual(
      E.left('the GPIO addon is not built (...)'),
    );
  });
});

describe('the edges of several chips\' requests, read by one thread', () => {
  const rec = (source: number, offset: number, ts: number, seqno: number) => ({ source, offset, timestampNs: BigInt(ts), seqno, rising: true, full: false });

  it('merges one take by timestamp across requests, keeping each request\'s own order', () => {
    // The thread read the header chip's queue, then the expander's.
    const take = [rec(0, 5, 100, 1), rec(0, 5, 300, 2), rec(1, 3, 200, 1), rec(1, 3, 400, 2)];
    expect(acrossChips(take).map((r) => [r.source, Number(r.timestampNs)])).toEqual([[0, 100], [1, 200], [0, 300], [1, 400]]);
    // One request's records keep the kernel's order even where a timestamp is out of step.
    const odd = [rec(0, 5, 300, 1), rec(0, 6, 250, 2)];
    expect(acrossChips(odd)).toEqual(odd);
    expect(acrossChips([])).toEqual([]);
  });
});

describe('one sequence of seqnos over several requests', () => {
  it('numbers the records of two requests as one sequence, a gap in either a gap in it of the same size', () => {
    const seq = oneSequence();
    const got = [
      { source: 0, seqno: 7 }, // what was queued before was dropped: a request's first record starts it
      { source: 1, seqno: 1 },
      { source: 0, seqno: 8 },
      { source: 1, seqno: 2 },
      { source: 1, seqno: 5 }, // the expander's request lost 2 events
      { source: 0, seqno: 9 },
    ].map(seq);
    expect(got).toEqual([1, 2, 3, 4, 7, 8]);
  });

  it('counts across the u32 wrap of a request', () => {
    const seq = oneSequence();
    expect([{ source: 0, seqno: 0xffffffff }, { source: 1, seqno: 3 }, { source: 0, seqno: 0 }, { source: 0, seqno: 2 }].map(seq)).toEqual([1, 2, 3, 5]);
  });
});
