import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { userProject, type UserProject } from './package';

// What each entry point loads, measured in a fresh node process that
// imports it from a user's project: the packed package installed as the
// README says (./package.ts). Needs npm run build.
jest.setTimeout(10 * 60_000);

const HEAVY = /node_modules\/(mqtt|aedes|node-libgpiod|ws|mqtt-packet)\//;

interface Loaded {
  modules: string[];
  rssMiB: number;
  exports: string[];
}

const measure = (dir: string, file: string, code: string): Loaded => {
  writeFileSync(join(dir, file), code);
  const run = spawnSync(process.execPath, [join(dir, file)], { cwd: dir, encoding: 'utf8', timeout: 20_000 });
  if (run.status !== 0) throw new Error(`${file} failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as Loaded;
};

const REPORT = `
const modules = Object.keys(require('node:module').createRequire(__filename).cache);
process.stdout.write(JSON.stringify({ modules, rssMiB: process.memoryUsage().rss / 2 ** 20, exports: Object.keys(lib).sort() }));
`;

describe('rpi-gpio-connector/streams', () => {
  let project: UserProject;
  beforeAll(() => {
    project = userProject();
  });
  afterAll(() => project?.remove());

  it('loads neither the MQTT client, nor the broker, nor the native addon (CommonJS)', () => {
    const streams = measure(project.dir, 'streams.cjs', `const lib = require('rpi-gpio-connector/streams');${REPORT}`);
    const root = measure(project.dir, 'root.cjs', `const lib = require('rpi-gpio-connector');${REPORT}`);
    const sim = measure(project.dir, 'sim.cjs', `const lib = require('rpi-gpio-connector/sim');${REPORT}`);
    // The MQTT client the service uses, loaded from the package's own dependencies.
    const service = measure(project.dir, 'mqtt.cjs', `const lib = require('node:module').createRequire(require.resolve('rpi-gpio-connector/package.json'))('mqtt');${REPORT}`);
    // What it measured, for the README and for a reader of the test output.
    console.log(
      `modules loaded: streams ${streams.modules.length} (${streams.rssMiB.toFixed(1)} MiB RSS), root ${root.modules.length} (${root.rssMiB.toFixed(1)} MiB), ` +
        `the MQTT client alone ${service.modules.length} (${service.rssMiB.toFixed(1)} MiB)`,
    );
    expect(streams.modules.filter((m) => HEAVY.test(m))).toEqual([]);
    expect(root.modules.filter((m) => HEAVY.test(m))).toEqual([]);
    expect(sim.modules.filter((m) => HEAVY.test(m))).toEqual([]);
    // The measure can fail: the MQTT client does show up when it is loaded.
    expect(service.modules.filter((m) => HEAVY.test(m)).length).toBeGreaterThan(0);
    // No libgpiod driver code in the stream-only entry; the root has it.
    expect(streams.modules.filter((m) => m.includes('/libgpiod/'))).toEqual([]);
    expect(root.modules.filter((m) => m.includes('/libgpiod/')).length).toBeGreaterThan(0);
    expect(streams.exports).toEqual(expect.arrayContaining(['connector', 'decodeConfig', 'isState', 'isRejected', 'decide', 'pollLevels', 'inputOutputs']));
    // No driver in the pure entry: the simulated chip is in /sim (and the root), libgpiod in the root.
    expect(streams.exports).not.toContain('openSimDriver');
    expect(streams.exports).not.toContain('openLibgpiodDriver');
    expect(streams.modules.filter((m) => m.includes('/adapters/'))).toEqual([]);
    expect(sim.exports).toEqual(['openSimDriver']);
    expect(sim.modules.filter((m) => m.includes('/libgpiod/'))).toEqual([]);
    expect(root.exports).toEqual(expect.arrayContaining(['openSimDriver', 'openLibgpiodDriver', 'connector']));
    expect(root.exports).toContain('openLibgpiodDriver');
  });

  it('imports as ESM with named exports, and loads no MQTT client there either', () => {
    const code = `
import { connector, decodeConfig } from 'rpi-gpio-connector/streams';
import { openSimDriver } from 'rpi-gpio-connector/sim';
import { openLibgpiodDriver } from 'rpi-gpio-connector';
import { createRequire } from 'node:module';
const cache = Object.keys(createRequire(import.meta.url).cache);
process.stdout.write(JSON.stringify({ modules: cache, rssMiB: 0, exports: [typeof connector, typeof decodeConfig, typeof openSimDriver, typeof openLibgpiodDriver] }));
`;
    const esm = measure(project.dir, 'streams.mjs', code);
    expect(esm.exports).toEqual(['function', 'function', 'function', 'function']);
    expect(esm.modules.filter((m) => HEAVY.test(m))).toEqual([]);
  });

  it('works without the MQTT client, the broker and the native addon installed (npm install --omit=optional, and no mqtt)', () => {
    // A preload that makes those packages unresolvable, as if they were not installed.
    writeFileSync(
      join(project.dir, 'hide.cjs'),
      `const Module = require('node:module');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (/^(mqtt|aedes|node-libgpiod)(\\/|$)/.test(request)) { const e = new Error('Cannot find module ' + request); e.code = 'MODULE_NOT_FOUND'; throw e; }
  return resolve.call(this, request, ...rest);
};`,
    );
    const code = `const lib = require('rpi-gpio-connector/streams');
const config = lib.decodeConfig({ thingName: 'pi', OutputGpios: '8L' }, {});
const driver = require('rpi-gpio-connector/sim').openSimDriver(config.right.pins);
const seen = [];
const sub = lib.connector({ request$: require('rxjs').of({ topic: 'gpio/pi/8/write', payload: '1', retained: false }) }, { ...config.right, driver: driver.right })
  .subscribe((o) => seen.push(o._tag + ':' + o.pin + '=' + o.level));
sub.unsubscribe();
driver.right.close();
let hidden = false;
try { require('node:module').createRequire(require.resolve('rpi-gpio-connector/package.json'))('mqtt'); } catch { hidden = true; }
process.stdout.write(JSON.stringify({ seen, hidden, tag: config._tag }));`;
    writeFileSync(join(project.dir, 'bare.cjs'), code);
    const run = spawnSync(process.execPath, ['--require', join(project.dir, 'hide.cjs'), join(project.dir, 'bare.cjs')], { cwd: project.dir, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ seen: ['State:8=0', 'State:8=1'], hidden: true, tag: 'Right' });
  });

  it('keeps the package internals private: only the entries in "exports" resolve', () => {
    writeFileSync(join(project.dir, 'deep.cjs'), "require('rpi-gpio-connector/dist/main.js');");
    const run = spawnSync(process.execPath, [join(project.dir, 'deep.cjs')], { cwd: project.dir, encoding: 'utf8' });
    expect(run.stderr).toContain('ERR_PACKAGE_PATH_NOT_EXPORTED');
  });
});
