import * as E from 'fp-ts/Either';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { invalidUtf8At } from '../../src/adapters/file-read';
import { loadConfigFile, MAX_CONFIG_BYTES } from '../../src/adapters/config-file';
import type { Config } from '../../src/core/model';
import { defaultConfig, input, output, SEED_PINS } from './config-fixtures';

// The file adapter against real files in a temporary directory.

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'config-file-spec-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

const defaults = (thingName: string, ignored: ReadonlyArray<string> = []): Config => defaultConfig(thingName, SEED_PINS, ignored);

describe('loadConfigFile', () => {
  it('decodes the shipped config.yaml, with no environment needed', () => {
    expect(loadConfigFile(join(__dirname, '..', '..', 'config.yaml'), {})).toEqual(E.right(defaults('my-pi')));
  });

  it('decodes a good file, Greengrass parameters pasted in', () => {
    const path = file(
      'good.yaml',
      ['GpioMem-ResourceId: my-gpio-resource', 'InputGpios: "5,6U,7D"', 'InputPollPeriod: 50', 'OutputGpios: "8H,9,27L"', ''].join('\n'),
    );
    expect(loadConfigFile(path, { AWS_IOT_THING_NAME: 'gg' })).toEqual(E.right(defaults('gg', ['GpioMem-ResourceId'])));
  });

  it('reports a YAML mistake with the file name and the line it starts on', () => {
    const path = file('broken.yaml', ['thingName: t1', 'mqtt:', '  port: [1883', 'gpio: {}', ''].join('\n'));
    expect(loadConfigFile(path, {})).toEqual(E.left([`${path}:3: the [ at column 9 is never closed: add the closing ] after the last item`]));
  });

  it('reports a key given twice as a YAML error at its line', () => {
    const path = file('twice.yaml', ['thingName: t1', 'InputGpios: "5"', 'InputGpios: "6"', ''].join('\n'));
    expect(loadConfigFile(path, {})).toEqual(E.left([`${path}:3: InputGpios is given twice (first on line 2): keep one`]));
  });

  it('asks for a single YAML document', () => {
    const path = file('two.yaml', ['thingName: t1', '---', 'InputGpios: "5"', ''].join('\n'));
    expect(loadConfigFile(path, {})).toEqual(E.left([`${path}:2: a config is one YAML document: remove the second ---`]));
  });

  it('takes a lone pin as YAML writes it, a number (InputGpios: 5)', () => {
    const path = file('numbers.yaml', ['thingName: t1', 'InputGpios: 5', 'OutputGpios: 8', ''].join('\n'));
    expect(loadConfigFile(path, {})).toEqual(E.right(defaultConfig('t1', [input(5), output(8)])));
  });

  it('reports a missing file in one line naming it', () => {
    const path = join(dir, 'nope.yaml');
    expect(loadConfigFile(path, {})).toEqual(E.left([`${path}: cannot read file: ENOENT: no such file or directory, open '${path}'`]));
  });

  it('decodes an empty file as an empty mapping', () => {
    const empty = 'InputGpios: no pins configured: set InputGpios, OutputGpios or pins';
    expect(loadConfigFile(file('empty.yaml', ''), { AWS_IOT_THING_NAME: 't1' })).toEqual(E.left([empty]));
    expect(loadConfigFile(file('comments.yaml', '# nothing yet\n'), { AWS_IOT_THING_NAME: 't1' })).toEqual(E.left([empty]));
  });

  it('reports a top level that is not a mapping', () => {
    expect(loadConfigFile(file('list.yaml', '- 5\n- 6\n'), {})).toEqual(
      E.left(['(top level): expected a mapping (keys like InputGpios: "5,6U"), got [5,6]']),
    );
  });

  it('passes decoding problems through as the decoder words them', () => {
    const path = file('bad.yaml', ['thingName: t1', 'InputGpios: "5"', 'mqtt:', '  port: abc', ''].join('\n'));
    expect(loadConfigFile(path, {})).toEqual(E.left(['mqtt.port: expected integer, got "abc"']));
  });
});

describe('loadConfigFile: hostile files (issue 11)', () => {
  const left = (path: string): ReadonlyArray<string> => {
    const r = loadConfigFile(path, { AWS_IOT_THING_NAME: 't1' });
    if (E.isRight(r)) throw new Error('expected problems');
    return r.left;
  };

  it('refuses a file over 1 MiB without parsing it', () => {
    const text = `thingName: t1\nInputGpios: "5"\nx: "${'a'.repeat(MAX_CONFIG_BYTES)}"\n`;
    const path = file('big.yaml', text);
    expect(left(path)).toEqual([`${path}: too large: ${Buffer.byteLength(text)} bytes, at most ${MAX_CONFIG_BYTES} allowed`]);
  });

  it.each([
    ['/dev/zero', 'a character device'],
    ['/dev/null', 'a character device'],
    ['/tmp', 'a directory'],
  ])('refuses %s, which is not a regular file', (path, kind) => {
    expect(left(path)).toEqual([`${path}: not a regular file (${kind}): give the path of a file`]);
  });

  it('refuses a FIFO at once, without waiting for a writer', () => {
    const path = join(dir, 'fifo.yaml');
    execFileSync('mkfifo', [path]);
    expect(left(path)).toEqual([`${path}: not a regular file (a FIFO): give the path of a file`]);
  });

  it('reports invalid UTF-8 with its line, instead of turning it into U+FFFD', () => {
    const path = join(dir, 'latin1.yaml');
    writeFileSync(path, Buffer.concat([Buffer.from('InputGpios: "5"\nthingName: caf'), Buffer.from([0xe9]), Buffer.from('\n')]));
    expect(left(path)).toEqual([`${path}:2: not valid UTF-8 (byte 30): save the file as UTF-8`]);
  });

  it('property: the UTF-8 check agrees with a strict decoder on any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        let strict = true;
        try {
          new TextDecoder('utf-8', { fatal: true }).decode(bytes);
        } catch {
          strict = false;
        }
        expect(invalidUtf8At(bytes) === undefined).toBe(strict);
      }),
      { numRuns: 2000 },
    );
    expect(invalidUtf8At(Buffer.from('é€😀', 'utf8'))).toBeUndefined();
  });

  it('refuses deep flow nesting before parsing, not with a stack overflow or seconds of parsing', () => {
    const path = file('deep.yaml', `thingName: t1\nx: ${'['.repeat(200_000)}${']'.repeat(200_000)}\n`);
    expect(left(path)).toEqual([`${path}:2: YAML nested more than 64 levels deep in [ ] or { }: a config needs two or three`]);
    // Brackets in quotes and comments do not count; 64 levels still parse.
    const fine = file('brackets.yaml', `thingName: "${'['.repeat(100)}"\nx: '${'{'.repeat(100)}' # ${'['.repeat(100)}\ny: ${'['.repeat(64)}${']'.repeat(64)}\n`);
    expect(left(fine)).toEqual(['x: unknown key', 'y: unknown key', 'InputGpios: no pins configured: set InputGpios, OutputGpios or pins']);
  });

  it('property: any bytes, YAML-ish or not, give a config or problem lines; nothing throws', () => {
    const yamlish = fc
      .array(fc.oneof(fc.constantFrom('thingName: ', 'InputGpios: ', 'mqtt:', '  port: ', '- ', '[', ']', '{', '}', '"', "'", '#', '&a ', '*a', '\n', ': ', ',', '\t', '---\n', '1e309', '\u0000', '\uffff', '5,6U'), fc.string({ maxLength: 8 })), { maxLength: 60 })
      .map((parts) => Buffer.from(parts.join(''), 'utf8'));
    let i = 0;
    fc.assert(
      fc.property(fc.oneof(yamlish, fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b))), (bytes) => {
        const path = join(dir, `fuzz-${i++ % 8}.yaml`);
        writeFileSync(path, bytes);
        const r = loadConfigFile(path, { AWS_IOT_THING_NAME: 't1' });
        if (E.isLeft(r)) {
          expect(r.left.length).toBeGreaterThan(0);
          for (const line of r.left) expect(line).toMatch(/^[^\n]+$/);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('still reports every key given twice, in one pass, at its line', () => {
    const path = file('twice-nested.yaml', ['thingName: t1', 'InputGpios: "5"', 'mqtt:', '  port: 1', '  port: 2', 'thingName: t2', ''].join('\n'));
    expect(left(path)).toEqual([`${path}:5: port is given twice (first on line 4): keep one`, `${path}:6: thingName is given twice (first on line 1): keep one`]);
  });

  it('reports 30,000 unknown keys, each on its line', () => {
    const path = file('keys.yaml', ['thingName: t1', 'InputGpios: "5"', ...Array.from({ length: 30_000 }, (_, i) => `k${i}: 1`), ''].join('\n'));
    const problems = left(path);
    expect(problems).toHaveLength(30_000);
    expect(problems[29_999]).toBe('k29999: unknown key');
  });

  it('checks the TLS files with the rest of the config, naming the key and the path', () => {
    const pem = file('ca.pem', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const notPem = file('cert.der', 'binary');
    const missing = join(dir, 'missing-key.pem');
    const path = file('tls.yaml', ['thingName: t1', 'InputGpios: "5"', 'mqtt:', '  url: mqtts://127.0.0.1:8883', `  ca: ${pem}`, `  cert: ${notPem}`, `  key: ${missing}`, '  port: 1', ''].join('\n'));
    expect(left(path)).toEqual([
      'mqtt.port: only used with url: embedded; put the port in the url',
      `mqtt.cert: ${JSON.stringify(notPem)}: not a PEM file (no "-----BEGIN" line)`,
      `mqtt.key: ${JSON.stringify(missing)}: cannot read file: ENOENT: no such file or directory, open '${missing}'`,
    ]);
    const dirAsCa = file('tls-dir.yaml', ['thingName: t1', 'InputGpios: "5"', 'mqtt:', `  ca: ${dir}`, ''].join('\n'));
    expect(left(dirAsCa)).toEqual([`mqtt.ca: ${JSON.stringify(dir)}: not a regular file (a directory): give the path of a file`]);
  });
});
