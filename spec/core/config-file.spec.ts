import * as E from 'fp-ts/Either';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile } from '../../src/adapters/config-file';
import type { Config } from '../../src/core/model';
import { defaultConfig, SEED_PINS } from './config-fixtures';

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

  it('reports a YAML syntax error with the file name, line and column', () => {
    const path = file('broken.yaml', ['thingName: t1', 'mqtt:', '  port: [1883', 'gpio: {}', ''].join('\n'));
    const r = loadConfigFile(path, {});
    expect(E.isLeft(r)).toBe(true);
    if (E.isLeft(r)) {
      expect(r.left.length).toBeGreaterThan(0);
      for (const line of r.left) expect(line).toMatch(new RegExp(`^${escape(path)}:\\d+:\\d+: YAML syntax error: \\S`));
      expect(r.left[0]).toMatch(new RegExp(`^${escape(path)}:[34]:\\d+: `));
    }
  });

  it('reports a key given twice as a YAML error at its line', () => {
    const path = file('twice.yaml', ['thingName: t1', 'InputGpios: "5"', 'InputGpios: "6"', ''].join('\n'));
    expect(loadConfigFile(path, {})).toEqual(E.left([`${path}:3:1: YAML syntax error: Map keys must be unique`]));
  });

  it('asks for a single YAML document', () => {
    const path = file('two.yaml', ['thingName: t1', '---', 'InputGpios: "5"', ''].join('\n'));
    expect(loadConfigFile(path, {})).toEqual(E.left([`${path}:2:1: YAML syntax error: a config is one YAML document: remove the second ---`]));
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

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
