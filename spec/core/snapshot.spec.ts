import fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { answerKind, outcomeOf, publishKind, requestKind } from '../../src/core/metrics';
import type { Level, PinSpec } from '../../src/core/model';
import type { Output } from '../../src/core/outputs';
import { decideReadAll, formatSnapshot, RETAINED_READ_ALL_IGNORED, snapshotFold } from '../../src/core/snapshot';
import { isAnswerableResponseTopic, pinsTopic, readAllTopic } from '../../src/core/topics';

const input = (pin: number, extra: Partial<Extract<PinSpec, { direction: 'input' }>> = {}): PinSpec => ({ pin, direction: 'input', bias: 'as-is', activeLow: false, ...extra });
const output = (pin: number): PinSpec => ({ pin, direction: 'output', initial: 0, activeLow: false });
const state = (pin: number, level: Level): Output => ({ _tag: 'State', pin, level });
const count = (pin: number, n: number): Output => ({ _tag: 'Count', pin, count: n });

const PINS = [output(27), input(5, { edge: 'both', count: 'rising' }), input(17), output(8)];

describe('snapshotFold', () => {
  it('knows every configured pin, by pin number, with nothing seen yet and a counting pin at 0', () => {
    expect(snapshotFold(PINS).initial).toEqual([
      { pin: 5, direction: 'input', level: null, changedMs: null, count: 0 },
      { pin: 8, direction: 'output', level: null, changedMs: null },
      { pin: 17, direction: 'input', level: null, changedMs: null },
      { pin: 27, direction: 'output', level: null, changedMs: null },
    ]);
  });

  it("takes a pin's first level without a change time, and stamps each later change with the time given", () => {
    const { initial, fold } = snapshotFold(PINS);
    const first = fold(initial, state(17, 1), () => 1000);
    expect(first[2]).toEqual({ pin: 17, direction: 'input', level: 1, changedMs: null });
    const changed = fold(first, state(17, 0), () => 2000);
    expect(changed[2]).toEqual({ pin: 17, direction: 'input', level: 0, changedMs: 2000 });
    // Only pin 17 moved: the other entries are the very same objects.
    expect(changed[0]).toBe(initial[0]);
    expect(initial[2]).toEqual({ pin: 17, direction: 'input', level: null, changedMs: null });
  });

  it('returns the snapshot itself for what changes nothing: the same level again, other outputs, pins not configured; the clock is read for a change only', () => {
    const { initial, fold } = snapshotFold(PINS);
    const never = (): number => {
      throw new Error('the clock was read');
    };
    // A first level and a count are no change of level: no time to read.
    const s = fold(fold(initial, state(8, 1), never), count(5, 2), never);
    expect(fold(s, state(8, 1), never)).toBe(s);
    expect(fold(s, count(5, 2), never)).toBe(s);
    expect(fold(s, count(17, 4), never)).toBe(s); // 17 counts nothing
    expect(fold(s, state(4, 1), never)).toBe(s);
    expect(fold(s, { _tag: 'Event', pin: 5, rising: true, timestampNs: 1n }, never)).toBe(s);
    expect(fold(s, { _tag: 'Rejected', error: { topic: 'gpio/t/5/state', error: 'GPIO driver failure', long_description: 'x' } }, never)).toBe(s);
    expect(fold(s, { _tag: 'Simulated', topic: 'gpio/t/17/simulate', pin: 17, level: 1 }, never)).toBe(s);
    expect(s[0]).toMatchObject({ pin: 5, count: 2 });
    expect(s[1]).toMatchObject({ pin: 8, level: 1, changedMs: null });
  });

  it('holds, for any outputs, the last level and count of each pin, and the time of its last change', () => {
    const pins = [input(1, { count: 'both' }), input(2), output(3)];
    const out = fc.oneof(
      fc.record({ _tag: fc.constant('State' as const), pin: fc.constantFrom(1, 2, 3, 4), level: fc.constantFrom<Level>(0, 1) }),
      fc.record({ _tag: fc.constant('Count' as const), pin: fc.constantFrom(1, 2, 4), count: fc.nat(100) }),
    );
    fc.assert(
      fc.property(fc.array(out, { maxLength: 40 }), (outputs) => {
        const { initial, fold } = snapshotFold(pins);
        let s = initial;
        outputs.forEach((o, t) => (s = fold(s, o, () => t)));
        // The model, from the outputs alone.
        for (const pin of [1, 2, 3]) {
          const seen = outputs.map((o, t) => ({ o, t })).filter(({ o }) => o._tag === 'State' && o.pin === pin) as Array<{ o: { level: Level }; t: number }>;
          const changes = seen.filter((x, i) => i > 0 && x.o.level !== seen[i - 1]?.o.level);
          const entry = s.find((e) => e.pin === pin);
          expect(entry?.level).toBe(seen.length === 0 ? null : seen[seen.length - 1]?.o.level);
          expect(entry?.changedMs).toBe(changes.length === 0 ? null : changes[changes.length - 1]?.t);
        }
        const counts = outputs.flatMap((o) => (o._tag === 'Count' && o.pin === 1 ? [o.count] : []));
        expect(s[0]?.count).toBe(counts.length === 0 ? 0 : counts[counts.length - 1]);
        expect(s.map((e) => e.pin)).toEqual([1, 2, 3]);
      }),
    );
  });
});

describe('formatSnapshot', () => {
  it('is the time and each pin by number, with direction, level, change time and, for a counting input, its count', () => {
    const { initial, fold } = snapshotFold(PINS);
    let s = initial;
    for (const o of [state(5, 0), state(8, 1), state(17, 1), state(27, 0), count(5, 0)]) s = fold(s, o, () => 0);
    s = fold(s, state(5, 1), () => Date.UTC(2026, 11, 2, 7, 0, 0, 123));
    s = fold(s, count(5, 1), () => Date.UTC(2026, 11, 2, 7, 0, 0, 123));
    const text = formatSnapshot(s, Date.UTC(2026, 11, 2, 7, 0, 0, 250));
    expect(text).toBe(
      '{"time":"2026-12-02T07:00:00.250Z","pins":{' +
        '"5":{"direction":"input","level":1,"changed":"2026-12-02T07:00:00.123Z","count":1},' +
        '"8":{"direction":"output","level":1,"changed":null},' +
        '"17":{"direction":"input","level":1,"changed":null},' +
        '"27":{"direction":"output","level":0,"changed":null}}}',
    );
  });

  it('writes a level not seen yet (a failed first read) as null', () => {
    expect(JSON.parse(formatSnapshot(snapshotFold([output(8)]).initial, 0))).toEqual({
      time: '1970-01-01T00:00:00.000Z',
      pins: { 8: { direction: 'output', level: null, changed: null } },
    });
  });
});

describe('decideReadAll', () => {
  const reply = { qos: 0 as const, responseTopic: 'replies/me' };

  it('answers any payload, as a read of a pin ignores its payload, and a queued one too', () => {
    const decide = decideReadAll({ acceptRetainedRequests: false });
    for (const payload of ['', '{}', '{"pins":[5]}', 'garbage{', '1', 'x'.repeat(10_000)]) {
      expect(decide({ topic: 'gpio/t/read', payload, retained: false })).toEqual(E.right({ _tag: 'ReadAll', topic: 'gpio/t/read' }));
    }
    expect(decide({ topic: 'gpio/t/read', payload: '', retained: false, queued: true, reply })).toEqual(E.right({ _tag: 'ReadAll', topic: 'gpio/t/read', reply }));
  });

  it('ignores a retained one, as a retained read, unless retained requests are accepted', () => {
    const retained = { topic: 'gpio/t/read', payload: '', retained: true };
    expect(decideReadAll({ acceptRetainedRequests: false })(retained)).toEqual(
      E.left({ _tag: 'Ignored', topic: 'gpio/t/read', reason: RETAINED_READ_ALL_IGNORED, retained: 'read' }),
    );
    expect(decideReadAll({ acceptRetainedRequests: true })(retained)).toEqual(E.right({ _tag: 'ReadAll', topic: 'gpio/t/read' }));
  });
});

describe('the topics and the metrics of the snapshot', () => {
  it('are gpio/<thing>/pins and gpio/<thing>/read', () => {
    expect(pinsTopic('my-pi')).toBe('gpio/my-pi/pins');
    expect(readAllTopic('my-pi')).toBe('gpio/my-pi/read');
  });

  it('refuses gpio/<thing>/read as a response topic: an answer must not ask for another', () => {
    expect(isAnswerableResponseTopic('gpio/my-pi/read')).toBe(false);
    expect(isAnswerableResponseTopic('gpio/my-pi/5/read')).toBe(false);
    expect(isAnswerableResponseTopic('gpio/my-pi/pins')).toBe(true);
    expect(isAnswerableResponseTopic('replies/read')).toBe(true);
  });

  it.each([
    ['gpio/t/read', 'read_all'],
    ['gpio/my-pi/read', 'read_all'],
    ['gpio/t/5/read', 'read'],
    ['gpio/t/read/read', 'read'],
    ['x/t/read', 'read'],
  ])('counts a request on %s as %s', (topic, kind) => {
    expect(requestKind(topic)).toBe(kind);
  });

  it('counts an answer with the snapshot as an ok read_all, a retained one ignored as read_all, a snapshot publish as pins', () => {
    const answer: Output = { _tag: 'Snapshot', pins: [], timeMs: 0, reply: { qos: 1 } };
    expect(outcomeOf(answer)).toBe('ok');
    expect(outcomeOf({ _tag: 'Snapshot', pins: [], timeMs: 0 })).toBeUndefined();
    expect(answerKind(answer, 'read_all')).toBe('read_all');
    const ignored: Output = { _tag: 'Ignored', topic: 'gpio/t/read', reason: RETAINED_READ_ALL_IGNORED, retained: 'read' };
    expect(outcomeOf(ignored)).toBe('ignored');
    expect(answerKind(ignored, undefined)).toBe('read_all');
    expect(publishKind('gpio/t/pins', 'gpio/t/')).toBe('pins');
    expect(publishKind('gpio/t/5/pins', 'gpio/t/')).toBe('other');
  });
});
