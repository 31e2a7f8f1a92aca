import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupAll } from '../support/cleanup';
import { embeddedConfig } from '../support/config';
import { freePort } from '../support/ports';
import { Service } from '../support/service';

// aedes is an optional dependency: without it, url: embedded is a clear start-up failure.
jest.setTimeout(30_000);
afterEach(cleanupAll);

it('says how to get the embedded broker when aedes is not installed, and exits 1', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gpio-hide-'));
  try {
    const hide = join(dir, 'hide-aedes.cjs');
    writeFileSync(
      hide,
      `const Module = require('node:module');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === 'aedes') { const e = new Error('Cannot find module aedes'); e.code = 'MODULE_NOT_FOUND'; throw e; }
  return resolve.call(this, request, ...rest);
};`,
    );
    const service = await Service.start(embeddedConfig(await freePort()), { env: { NODE_OPTIONS: `--require ${hide}` } });
    expect((await service.waitForExit()).code).toBe(1);
    expect(service.stderr).toBe(
      'the embedded broker needs the optional package aedes, which is not installed: run npm install aedes, or set mqtt.url to a broker\n',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
