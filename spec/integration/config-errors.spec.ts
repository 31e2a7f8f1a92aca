import { existsSync, readdirSync } from 'node:fs';
import { TestClient } from '../support/client';
import { cleanupAll } from '../support/cleanup';
import { brokerConfig } from '../support/config';
import { Mosquitto } from '../support/mosquitto';
import { Service } from '../support/service';

// Start-up failures: the service must exit non-zero with a readable reason
// and never get as far as `ready`.
jest.setTimeout(30_000);
afterEach(cleanupAll);

const isReady = (l: Record<string, unknown>): boolean => l['msg'] === 'ready';

async function expectFailedStart(service: Service): Promise<void> {
  const exit = await service.waitForExit(10_000);
  if (exit.code === 0 || exit.code === null) {
    throw new Error(`expected a non-zero exit code, got ${JSON.stringify(exit)}; ${service.describe()}`);
  }
  expect(service.logs.filter(isReady)).toEqual([]);
}

/**
 * Checks the service never connected to `broker`: mosquitto logs each client
 * connection, and a test client connecting afterwards proves the log works.
 */
async function expectNoConnectionTo(broker: Mosquitto): Promise<void> {
  await TestClient.connect(broker.url, { clientId: 'spec-probe' });
  await broker.waitForLog(/New client connected .* as spec-probe/);
  expect(broker.log.match(/New client connected/g)).toHaveLength(1);
}

describe('start-up errors', () => {
  it('reports every config problem on its own line and exits non-zero', async () => {
    const service = await Service.start(
      [
        'thingName: t1',
        'InputGpios: "9"',
        'OutputGpios: "9"',
        'InputPollPeriod: 50',
        'mqtt:',
        '  url: embedded',
        '  host: 127.0.0.1',
        '  port: "abc"',
        'gpio:',
        '  driver: sim',
        '',
      ].join('\n'),
    );
    await expectFailedStart(service);
    expect(service.stderr).toMatch(/^\s*OutputGpios: pin 9 is also an input\s*$/m);
    expect(service.stderr).toMatch(/^\s*mqtt\.port: expected integer, got "abc"\s*$/m);
  });

  it('reports a bad poll period and QoS and never connects to the broker', async () => {
    const broker = await Mosquitto.start();
    const service = await Service.start(brokerConfig(broker.url, { qos: 5 }, { InputPollPeriod: 0 }));
    await expectFailedStart(service);
    expect(service.stderr).toMatch(/^\s*InputPollPeriod: /m);
    expect(service.stderr).toMatch(/^\s*mqtt\.qos: /m);
    await expectNoConnectionTo(broker);
  });

  it('refuses edge settings on an output and a negative debounce, by path, with exit 2, before the broker', async () => {
    const broker = await Mosquitto.start();
    const service = await Service.start(
      brokerConfig(broker.url, {}, {
        InputGpios: undefined,
        OutputGpios: undefined,
        pins: [
          { pin: 17, direction: 'input', debounce: -5, count: 'rising' },
          { pin: 22, direction: 'output', edge: 'both' },
        ],
      }),
    );
    expect((await service.waitForExit(10_000)).code).toBe(2);
    expect(service.logs.filter(isReady)).toEqual([]);
    expect(service.stderr).toMatch(/^\s*pins\[0\]\.debounce: expected an integer 0-60000, got -5\s*$/m);
    expect(service.stderr).toMatch(/^\s*pins\[1\]\.edge: only for inputs\s*$/m);
    await expectNoConnectionTo(broker);
  });

  it('exits non-zero naming thingName when there is no thing name', async () => {
    const broker = await Mosquitto.start();
    const config = brokerConfig(broker.url);
    delete config['thingName'];
    const service = await Service.start(config, { env: { AWS_IOT_THING_NAME: undefined } });
    await expectFailedStart(service);
    expect(service.stderr).toMatch(/thingName/);
    await expectNoConnectionTo(broker);
  });

  it('exits non-zero naming the GPIO chip when libgpiod has no chip to open', async () => {
    const chips = readdirSync('/dev').filter((f) => f.startsWith('gpiochip'));
    if (chips.length > 0 || !existsSync('/dev')) {
      throw new Error(`this test needs a machine without /dev/gpiochip* (found: ${chips.join(', ')})`);
    }
    const broker = await Mosquitto.start();
    const service = await Service.start(brokerConfig(broker.url, {}, { gpio: { driver: 'libgpiod' } }));
    await expectFailedStart(service);
    const output = `${service.stderr}\n${service.logs.map((l) => JSON.stringify(l)).join('\n')}`;
    expect(output).toMatch(/gpiochip/i);
    await expectNoConnectionTo(broker);
  });
});
