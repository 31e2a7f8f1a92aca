import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { TestClient } from './support/client';
import { cleanupAll } from './support/cleanup';
import { read } from './support/config';
import { Mosquitto } from './support/mosquitto';
import { ROOT } from './support/service';

// The Greengrass V2 recipe. No Greengrass runs here: its shape is checked
// against the recipe reference, and its Run script is run as the nucleus
// would run it, with the recipe variables interpolated by this test.
jest.setTimeout(60_000);
afterEach(cleanupAll);

type Json = Record<string, unknown>;
const recipe = parse(readFileSync(join(ROOT, 'deploy', 'greengrass', 'recipe.yaml'), 'utf8')) as Json;
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
const manifests = recipe['Manifests'] as Json[];
const manifest = manifests[0] as Json;
const lifecycle = manifest['Lifecycle'] as Json;
const defaults = (recipe['ComponentConfiguration'] as Json)['DefaultConfiguration'] as Json;

/** Greengrass's recipe variables, as the nucleus replaces them. */
const interpolate = (text: string, vars: { artifacts: string; work: string; configuration: Json }): string =>
  text
    .replaceAll('{artifacts:decompressedPath}', vars.artifacts)
    .replaceAll('{work:path}', vars.work)
    .replace(/\{configuration:\/([^}]+)\}/g, (_, key: string) => {
      const v = vars.configuration[key];
      if (v === undefined) throw new Error(`recipe refers to configuration key ${key}, which has no default`);
      return String(v);
    });

describe('deploy/greengrass/recipe.yaml (shape; Greengrass itself does not run here)', () => {
  it('has the fields the recipe reference requires, and this package version', () => {
    console.log('Greengrass V2 is not installed here: the recipe is checked for shape and its Run script run by the test.');
    expect(recipe['RecipeFormatVersion']).toBe('2020-01-25');
    expect(recipe['ComponentName']).toMatch(/^[A-Za-z0-9._-]{1,128}$/);
    expect(recipe['ComponentName']).not.toMatch(/^aws\.greengrass\./i); // reserved for AWS
    expect(recipe['ComponentVersion']).toBe(pkg.version);
    expect(recipe['ComponentType']).toBe('aws.greengrass.generic');
    for (const key of ['ComponentDescription', 'ComponentPublisher']) expect(typeof recipe[key]).toBe('string');
    expect(manifests).toHaveLength(1);
    expect(manifest['Platform']).toEqual({ os: 'linux' });
    expect(manifest['Artifacts']).toEqual([{ URI: expect.stringMatching(/^s3:\/\/.+\/rpi-gpio-connector\.zip$/), Unarchive: 'ZIP' }]);
  });

  it('has a Run step, unprivileged, and every configuration key it uses has a default', () => {
    expect(Object.keys(lifecycle).sort()).toEqual(['Run', 'Setenv']);
    const run = lifecycle['Run'] as Json;
    expect(run['RequiresPrivilege']).toBe(false);
    expect(run['Script']).toEqual(expect.stringContaining('exec node {artifacts:decompressedPath}/rpi-gpio-connector/dist/main.js --config'));
    const used = [...JSON.stringify(lifecycle).matchAll(/\{configuration:\/([^}]+)\}/g)].map((m) => m[1]);
    expect([...new Set(used)].sort()).toEqual(Object.keys(defaults).sort());
    // The Greengrass V1 connector's parameters keep their names.
    expect(defaults).toMatchObject({ InputGpios: '', OutputGpios: '', InputPollPeriod: '50' });
  });

  it('runs the service as Greengrass would: thing name from AWS_IOT_THING_NAME, config from the component configuration', async () => {
    const broker = await Mosquitto.start();
    const artifacts = mkdtempSync(join(tmpdir(), 'gpio-gg-artifacts-'));
    const work = mkdtempSync(join(tmpdir(), 'gpio-gg-work-'));
    symlinkSync(ROOT, join(artifacts, 'rpi-gpio-connector'), 'dir');
    try {
      // A deployment's configuration update, merged over the defaults as Greengrass merges it.
      const configuration = { ...defaults, OutputGpios: '8H,9', InputGpios: '5U', MqttUrl: broker.url, GpioDriver: 'sim' };
      const vars = { artifacts, work, configuration };
      const env: NodeJS.ProcessEnv = { ...process.env, AWS_IOT_THING_NAME: 'gg-core-1' };
      for (const [k, v] of Object.entries(lifecycle['Setenv'] as Record<string, string>)) env[k] = interpolate(v, vars);
      const script = interpolate(String((lifecycle['Run'] as Json)['Script']), vars);
      const child = spawn('sh', ['-c', script], { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const exited = new Promise<number | null>((done) => child.once('close', (code) => done(code)));
      const deadline = Date.now() + 20_000;
      while (!out.includes('"msg":"ready"') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
      expect(out).toContain('"msg":"ready"');
      expect(out).toContain('"thing":"gg-core-1"');

      const client = await TestClient.connect(broker.url);
      await client.subscribe(['gpio/gg-core-1/8/state', 'gpio/gg-core-1/5/state']);
      expect(await read(client, 8, 'gg-core-1')).toBe('1');
      expect(await read(client, 5, 'gg-core-1')).toBe('1');
      expect(JSON.parse(readFileSync(join(work, 'config.yaml'), 'utf8'))).toEqual({
        InputGpios: '5U',
        OutputGpios: '8H,9',
        InputPollPeriod: '50',
        mqtt: { url: broker.url },
        gpio: { driver: 'sim' },
      });

      // Greengrass stops a component with SIGTERM: exec made node the process that gets it.
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      rmSync(artifacts, { recursive: true, force: true });
      rmSync(work, { recursive: true, force: true });
    }
  });
});
