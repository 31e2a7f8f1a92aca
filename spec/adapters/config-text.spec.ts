import * as E from 'fp-ts/Either';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseConfigText } from '../../src/adapters/config-file';

// YAML mistakes through the pure parse (no file): one line per mistake, at
// the line where it starts, `<file>:<line>: <what is wrong>: <what to do>`.

const problems = (text: string): ReadonlyArray<string> => {
  const r = parseConfigText('c.yaml', text);
  if (E.isRight(r)) throw new Error(`expected problems, got ${JSON.stringify(r.right)}`);
  return r.left;
};

const lines = (...ls: string[]): string => `${ls.join('\n')}\n`;

/** The shipped config.yaml, and the number of its first line matching `pattern`. */
const shipped = readFileSync(join(__dirname, '..', '..', 'config.yaml'), 'utf8');
const shippedLine = (pattern: RegExp): number => shipped.split('\n').findIndex((l) => pattern.test(l)) + 1;

describe('parseConfigText: YAML mistakes, one line each, where they start', () => {
  it.each([
    [
      'an unclosed double quote, at the line it opens on (the parser gives up at the end of the file)',
      lines('thingName: my-pi', 'InputGpios: "5"', 'OutputGpios: "8H,9', 'InputPollPeriod: 50', 'mqtt:', '  url: embedded'),
      ['c.yaml:3: the " at column 14 is never closed: add the closing " at the end of the value'],
    ],
    [
      'an unclosed single quote',
      lines('thingName: my-pi', "InputGpios: '5", 'OutputGpios: "8"'),
      ["c.yaml:2: the ' at column 13 is never closed: add the closing ' at the end of the value"],
    ],
    [
      'an unclosed quote inside a flow mapping: one mistake, though the mapping is unclosed too',
      lines('thingName: my-pi', 'pins:', '  - { pin: 5, name: "Door }', '  - { pin: 6 }'),
      ['c.yaml:3: the " at column 21 is never closed: add the closing " at the end of the value'],
    ],
    [
      'a missing space after the colon (the parser: "Implicit keys need to be on a single line")',
      lines('thingName:my-pi', 'InputGpios: "5"'),
      ['c.yaml:1: no space after "thingName:": write thingName: my-pi'],
    ],
    [
      'a missing space after the colon on the last line (the parser: "Implicit map keys need to be followed by map values")',
      lines('InputGpios: "5"', 'thingName:my-pi'),
      ['c.yaml:2: no space after "thingName:": write thingName: my-pi'],
    ],
    [
      'a missing space that YAML takes for a string, with no error at all',
      lines('thingName: t', 'InputGpios: "5"', 'mqtt:', '  url:embedded'),
      ['c.yaml:4: no space after "url:": write url: embedded'],
    ],
    [
      'every line without its space: the whole file is one string to YAML, and each line is a mistake',
      lines('thingName:my-pi', 'InputGpios:"5"'),
      ['c.yaml:1: no space after "thingName:": write thingName: my-pi', 'c.yaml:2: no space after "InputGpios:": write InputGpios: "5"'],
    ],
    [
      'two mistakes far apart: two lines',
      lines('thingName:t', 'InputGpios: "5"', 'mqtt:', '  port:1883', '  url: embedded'),
      ['c.yaml:1: no space after "thingName:": write thingName: t', 'c.yaml:4: no space after "port:": write port: 1883'],
    ],
    [
      'a missing space on a value line, which makes the next key seem out of line to the parser: one mistake',
      lines('thingName: t', 'mqtt:', '  url:embedded', '  # a comment', '  port: 1883'),
      ['c.yaml:3: no space after "url:": write url: embedded'],
    ],
    ['a missing space in a list item', lines('thingName: t', 'pins:', '  - pin:5', '    direction: input'), ['c.yaml:3: no space after "pin:": write pin: 5']],
    [
      'Windows line ends',
      'thingName: t\r\nmqtt:\r\n  port:1883\r\n  url: embedded\r\n',
      ['c.yaml:3: no space after "port:": write port: 1883'],
    ],
    [
      'an unclosed [ (the parser: "must be sufficiently indented and end with a ]", a line later)',
      lines('thingName: t1', 'mqtt:', '  port: [1883', 'gpio: {}'),
      ['c.yaml:3: the [ at column 9 is never closed: add the closing ] after the last item'],
    ],
    ['an unclosed [ at the end of the file', lines('thingName: t1', 'InputGpios: [5, 6'), ['c.yaml:2: the [ at column 13 is never closed: add the closing ] after the last item']],
    [
      'an unclosed {',
      lines('thingName: t1', 'pins:', '  - { pin: 5, direction: input', '  - { pin: 6 }'),
      ['c.yaml:3: the { at column 5 is never closed: add the closing } after the last item'],
    ],
    ['a ] too many', lines('thingName: t', 'InputGpios: [5]]'), ['c.yaml:2: the ] at column 16 closes nothing: remove it']],
    [
      'tabs as indentation, one line each',
      lines('thingName: t', 'mqtt:', '\turl: embedded', '\tport: 1'),
      ['c.yaml:3: a tab in the indentation: YAML indents with spaces only', 'c.yaml:4: a tab in the indentation: YAML indents with spaces only'],
    ],
    [
      'a key indented less than its neighbours',
      lines('thingName: t', 'mqtt:', '  url: embedded', ' port: 1'),
      ['c.yaml:4: indented differently from the keys before it: give every key of one mapping the same indentation'],
    ],
    [
      'a key indented deeper than the one above it, which has a value (the parser complains twice, at line 3)',
      lines('thingName: t', 'mqtt:', '  url: embedded', '    port: 1'),
      ['c.yaml:4: indented deeper than the key above it, which already has its value: line it up with that key'],
    ],
    [
      'a key without its colon',
      lines('thingName: t', 'InputGpios "5"', 'OutputGpios: "8"'),
      ['c.yaml:2: no colon after the key in "InputGpios "5"": write the key, ": " and its value'],
    ],
    [
      'a list item among keys (the parser complains three times)',
      lines('thingName: t', 'InputGpios: "5"', '- 6'),
      ['c.yaml:3: a list item among the keys of a mapping: indent it under the key it belongs to'],
    ],
    ['text after a closing quote', lines('thingName: "my-pi" extra', 'InputGpios: "5"'), ['c.yaml:1: "extra" after the end of the value: remove it, or quote the whole value']],
    [
      'a backslash in double quotes (a Windows path)',
      lines('thingName: t', 'mqtt:', '  ca: "C:\\certs\\ca.pem"'),
      ['c.yaml:3: Invalid escape sequence \\c in a "double-quoted" value: write \\\\ for a backslash, or quote the value with \' instead'],
    ],
    ['a second document', lines('thingName: t1', '---', 'InputGpios: "5"'), ['c.yaml:2: a config is one YAML document: remove the second ---']],
    [
      'keys given twice, each at its line, naming the first',
      lines('thingName: t1', 'InputGpios: "5"', 'mqtt:', '  port: 1', '  port: 2', 'thingName: t2'),
      ['c.yaml:5: port is given twice (first on line 4): keep one', 'c.yaml:6: thingName is given twice (first on line 1): keep one'],
    ],
  ])('%s', (_what, text, expected) => {
    expect(problems(text)).toEqual(expected);
  });

  it('the shipped config.yaml with its thingName line missing the space, and with a quote left open', () => {
    const thing = shippedLine(/^thingName: /);
    const outputs = shippedLine(/^OutputGpios: "/);
    expect(thing).toBeGreaterThan(0);
    expect(outputs).toBeGreaterThan(0);
    expect(problems(shipped.replace(/^thingName: /m, 'thingName:'))).toEqual([`c.yaml:${thing}: no space after "thingName:": write thingName: my-pi`]);
    const open = shipped.replace(/^(OutputGpios: "[^"]*)"/m, '$1');
    expect(open).not.toBe(shipped);
    expect(problems(open)).toEqual([`c.yaml:${outputs}: the " at column 14 is never closed: add the closing " at the end of the value`]);
  });

  it.each([
    ['a colon inside a value', lines('thingName: my:pi', 'InputGpios: "5"'), { thingName: 'my:pi', InputGpios: '5' }],
    ['a URL, whose scheme is no key', lines('thingName: t', 'mqtt:', '  url: mqtt://host:1883'), { thingName: 't', mqtt: { url: 'mqtt://host:1883' } }],
    ['a URL as a list item', lines('x:', '  - mqtt://host:1883'), { x: ['mqtt://host:1883'] }],
    ['a quoted key:value', lines('thingName: "a:b"', 'name: \'c:d\''), { thingName: 'a:b', name: 'c:d' }],
    ['a block scalar holding key:value lines', lines('thingName: |', '  a:b', '  c:d'), { thingName: 'a:b\nc:d\n' }],
  ])('raises no false alarm for %s', (_what, text, value) => {
    expect(parseConfigText('c.yaml', text)).toEqual(E.right(value));
  });

  it('property: on any YAML-ish text, each problem is one line at a line of the file, no line twice; nothing throws', () => {
    const yamlish = fc
      .array(fc.oneof(fc.constantFrom('thingName:', 'thingName: ', 'InputGpios: ', 'mqtt:', '\n  port:', '  ', '- ', '-', '[', ']', '{', '}', '"', "'", '#', '\n', ': ', ',', '\t', '---\n', '\\'), fc.string({ maxLength: 6 })), { maxLength: 40 })
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(yamlish, (text) => {
        const r = parseConfigText('c.yaml', text);
        if (E.isRight(r)) return;
        const count = text.split('\n').length;
        const at = r.left.map((line) => {
          const m = /^c\.yaml:(\d+): \S[^\n]*$/.exec(line) ?? /^c\.yaml: YAML error: [^\n]+$/.exec(line);
          expect(m).not.toBeNull();
          return Number(m?.[1] ?? 0);
        });
        for (const n of at) expect(n <= count).toBe(true);
        expect(new Set(at).size).toBe(at.length);
      }),
      { numRuns: 1000 },
    );
  });

  it('property: a mapping of well-formed lines parses, and one space taken out after a colon is reported at that line', () => {
    const key = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,10}$/);
    const value = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,10}$/);
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(key, value), { minLength: 1, maxLength: 12, selector: ([k]) => k }), fc.nat(), (pairs, pick) => {
        const good = pairs.map(([k, v]) => `${k}: ${v}`);
        expect(E.isRight(parseConfigText('c.yaml', lines(...good)))).toBe(true);
        const at = pick % pairs.length;
        const [k, v] = pairs[at] as [string, string];
        const bad = good.map((l, i) => (i === at ? `${k}:${v}` : l));
        expect(problems(lines(...bad))).toEqual([`c.yaml:${at + 1}: no space after "${k}:": write ${k}: ${v}`]);
      }),
    );
  });
});
