import fc from 'fast-check';
import { countTopic, eventTopic, pulseTopic, requestTopicParser, requestFilters, stateTopic } from '../../src/core/topics';

/** The definition, by splitting: four levels, `gpio`, the thing, a pin segment, a request kind. */
const bySplit = (thing: string, topic: string) => {
  const [root, t, pinSegment, kind, ...rest] = topic.split('/');
  if (rest.length > 0 || root !== 'gpio' || t !== thing || pinSegment === undefined) return undefined;
  return kind === 'read' || kind === 'write' || kind === 'pulse' || kind === 'simulate' ? { kind, pinSegment } : undefined;
};

describe('requestTopicParser', () => {
  it('parses a request topic of its thing', () => {
    const parse = requestTopicParser('my-pi');
    expect(parse('gpio/my-pi/17/write')).toEqual({ kind: 'write', pinSegment: '17' });
    expect(parse('gpio/my-pi/abc/read')).toEqual({ kind: 'read', pinSegment: 'abc' });
    expect(parse('gpio/my-pi//simulate')).toEqual({ kind: 'simulate', pinSegment: '' });
    expect(parse('gpio/my-pi/22/pulse')).toEqual({ kind: 'pulse', pinSegment: '22' });
    for (const topic of ['gpio/my-pi/17/state', 'gpio/my-pi/17/event', 'gpio/my-pi/17/count', 'gpio/my-pi2/17/read', 'gpio/my-pi/17/read/x', 'gpio/my-pi/17', 'x/my-pi/17/read', 'gpio/my-pi/a/b/read']) {
      expect({ topic, parsed: parse(topic) }).toEqual({ topic, parsed: undefined });
    }
  });

  it('agrees with splitting the topic into levels, for any topic', () => {
    const level = fc.oneof(fc.constantFrom('gpio', 't', 'read', 'write', 'pulse', 'simulate', 'state', 'event', '5', ''), fc.string({ maxLength: 4 }));
    const topic = fc.array(level, { minLength: 1, maxLength: 6 }).map((levels) => levels.join('/'));
    fc.assert(fc.property(topic, (t) => expect(requestTopicParser('t')(t)).toEqual(bySplit('t', t))), { numRuns: 2000 });
  });

  it('builds the topics the service speaks', () => {
    expect(stateTopic('my-pi', 17)).toBe('gpio/my-pi/17/state');
    expect(eventTopic('my-pi', 17)).toBe('gpio/my-pi/17/event');
    expect(countTopic('my-pi', 17)).toBe('gpio/my-pi/17/count');
    expect(pulseTopic('my-pi', 17)).toBe('gpio/my-pi/17/pulse');
    expect(requestFilters('my-pi', false)).toEqual(['gpio/my-pi/+/read', 'gpio/my-pi/+/write', 'gpio/my-pi/+/pulse']);
    expect(requestFilters('my-pi', true)).toEqual(['gpio/my-pi/+/read', 'gpio/my-pi/+/write', 'gpio/my-pi/+/pulse', 'gpio/my-pi/+/simulate']);
  });
});
