import { TestClient } from '../support/client';
import { cleanupAll } from '../support/cleanup';
import { embeddedConfig, expectError, read } from '../support/config';
import { freePort } from '../support/ports';
import { Service } from '../support/service';

// Issue 11, item 1: the reader of the log pipe goes away. The service must
// keep answering, say once on stderr that its log is gone, and still stop cleanly.
jest.setTimeout(30_000);
afterEach(cleanupAll);

describe('a closed log pipe', () => {
  it('keeps the service running and answering after stdout is closed', async () => {
    const port = await freePort();
    const service = await Service.start(embeddedConfig(port));
    await service.ready();
    const client = await TestClient.connect(`mqtt://127.0.0.1:${port}`);
    await client.subscribe(['gpio/t1/+/state', 'gpio/t1/error']);

    service.closeStdout();
    // Every rejected request writes a log line: the first meets EPIPE, the rest a closed pipe.
    for (let i = 0; i < 20; i++) {
      const error = await expectError(client, 'gpio/t1/4/read', '');
      expect(error['error']).toBe('Unconfigured GPIO');
    }
    expect(await read(client, 8)).toBe('1');
    expect(service.exited).toBeUndefined();
    await service.waitForLogOnStderr(/stdout closed \(EPIPE\)/);

    service.kill('SIGTERM');
    expect(await service.waitForExit()).toEqual({ code: 0, signal: null });
    expect(service.stderr).not.toMatch(/Unhandled|Error: write EPIPE|at /);
  });
});
