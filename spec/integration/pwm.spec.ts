import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { TestClient } from '../support/client';
import { cleanupAll } from '../support/cleanup';
import { baseConfig, expectError, request } from '../support/config';
import { Mosquitto } from '../support/mosquitto';
import { freePort } from '../support/ports';
import { ROOT, Service } from '../support/service';

// PWM through the built service (node dist/main.js with a config file) on the
// simulated chip, whose PWM is a model of state only: the requests, answers,
// errors and topics, with the embedded broker (aedes) and with a real
// Mosquitto. The PWM's timing on real lines: spec/kernel/pwm.spec.ts.
jest.setTimeout(60_000);
afterEach(cleanupAll);

const PWM_PINS = {
  pins: [
    { pin: 12, direction: 'output', pwm: { frequency: 1000, duty: '25%' } },
    { pin: 13, direction: 'output', activeLow: true, pwm: { frequency: 50 } },
  ],
};
const pwmState = (pin: number) => `gpio/t1/${pin}/pwm/state`;

const brokers: Array<[string, () => Promise<{ config: Record<string, unknown>; url: string }>]> = [
  [
    'the embedded broker (aedes)',
    async () => {
      const port = await freePort();
      return { config: baseConfig({ url: 'embedded', host: '127.0.0.1', port, retainState: true }, PWM_PINS), url: `mqtt://127.0.0.1:${port}` };
    },
  ],
  [
    'a real Mosquitto',
    async () => {
      const broker = await Mosquitto.start();
      return { config: baseConfig({ url: broker.url, retainState: true }, PWM_PINS), url: broker.url };
    },
  ],
];

describe.each(brokers)('PWM through the service with %s', (_name, setUp) => {
  it('starts each PWM output at its configured setting, answers PWM requests on pwm/state, and write switches PWM off', async () => {
    const { config, url } = await setUp();
    const service = await Service.start(config);
    const ready = await service.ready();
    expect(ready['subscriptions']).toContain('gpio/t1/+/pwm');
    const client = await TestClient.connect(url);
    await client.subscribe(['gpio/t1/+/pwm/state', 'gpio/t1/+/state', 'gpio/t1/error']);
    // Retained (mqtt.retainState: true): the start-up settings are there for a late subscriber.
    expect((await client.until(pwmState(12), () => true)).payload).toBe('{"frequency":1000,"duty":0.25}');
    expect((await client.until(pwmState(13), () => true)).payload).toBe('{"frequency":50,"duty":0}');

    expect(JSON.parse((await request(client, 'gpio/t1/12/pwm', '{"duty":0.5}', pwmState(12))).payload)).toEqual({ frequency: 1000, duty: 0.5 });
    expect(JSON.parse((await request(client, 'gpio/t1/12/pwm', '{"frequency":200}', pwmState(12))).payload)).toEqual({ frequency: 200, duty: 0.5 });
    expect(JSON.parse((await request(client, 'gpio/t1/12/pwm', '75%', pwmState(12))).payload)).toEqual({ frequency: 200, duty: 0.75 });
    expect(JSON.parse((await request(client, 'gpio/t1/13/pwm', '{"duty":"10%","frequency":2}', pwmState(13))).payload)).toEqual({ frequency: 2, duty: 0.1 });

    // write 1: PWM off at that level, answered on state and on pwm/state.
    expect(JSON.parse((await request(client, 'gpio/t1/12/write', '1', pwmState(12))).payload)).toEqual({ frequency: 200, duty: 1 });
    expect((await request(client, 'gpio/t1/12/read', '', 'gpio/t1/12/state')).payload).toBe('1');

    // Refused on the error topic, with the seed's error shape; the service runs on.
    expect(await expectError(client, 'gpio/t1/12/pwm', '{"duty":1.5}')).toEqual({
      topic: 'gpio/t1/12/pwm',
      error: 'Invalid payload',
      long_description: 'In the PWM payload, the duty must be from 0 to 1 (or a percentage like "25%"), got 1.5.',
    });
    expect(await expectError(client, 'gpio/t1/8/pwm', '50%')).toEqual({
      topic: 'gpio/t1/8/pwm',
      error: 'Invalid GPIO operation',
      long_description: 'GPIO 8 is an output without pwm: in the config. Give it pwm: {frequency: 1000} in pins: to take PWM requests.',
    });
    expect(await expectError(client, 'gpio/t1/5/pwm', '50%')).toEqual({
      topic: 'gpio/t1/5/pwm',
      error: 'Invalid GPIO operation',
      long_description: 'GPIO 5 is configured as an INPUT GPIO. Only OUTPUT GPIOs with pwm: in the config take PWM requests.',
    });
    expect(JSON.parse((await request(client, 'gpio/t1/12/pwm', '{"duty":0.2}', pwmState(12))).payload)).toEqual({ frequency: 200, duty: 0.2 });
    expect(service.exited).toBeUndefined();
  });
});

describe('PWM as a Home Assistant light', () => {
  it('announces the PWM output as a light, and Home Assistant\'s brightness and off commands drive it', async () => {
    const port = await freePort();
    const service = await Service.start(baseConfig({ url: 'embedded', host: '127.0.0.1', port }, { ...PWM_PINS, homeAssistant: { discovery: true } }));
    await service.ready();
    const client = await TestClient.connect(`mqtt://127.0.0.1:${port}`);
    await client.subscribe(['homeassistant/light/+/+/config', 'gpio/t1/+/pwm/state', 'gpio/t1/+/state']);
    const announced = await client.until('homeassistant/light/rpi-gpio-connector_t1/gpio12/config', () => true);
    const config = JSON.parse(announced.payload) as Record<string, string | number>;
    // What Home Assistant does with it: renders the brightness command template (scale 100) and publishes it.
    const brightness = 40;
    const payload = String(config['brightness_command_template']).replace('{{ value }}', String(brightness));
    const answer = await request(client, String(config['brightness_command_topic']), payload, String(config['brightness_state_topic']));
    expect(JSON.parse(answer.payload)).toEqual({ frequency: 1000, duty: 0.4 });
    const off = await request(client, String(config['command_topic']), String(config['payload_off']), String(config['state_topic']));
    expect(JSON.parse(off.payload)).toEqual({ frequency: 1000, duty: 0 });
  });
});

describe("the README's PWM example (examples/pwm-dimmer.yaml), as it is but for the embedded broker's port", () => {
  it('answers the README\'s requests, models the hardware fan on the simulated chip, and announces both as lights', async () => {
    const config = parse(readFileSync(join(ROOT, 'examples', 'pwm-dimmer.yaml'), 'utf8')) as { mqtt: Record<string, unknown> };
    const port = await freePort();
    const service = await Service.start({ ...config, mqtt: { ...config.mqtt, host: '127.0.0.1', port } });
    await service.ready();
    const client = await TestClient.connect(`mqtt://127.0.0.1:${port}`);
    await client.subscribe(['gpio/desk/#', 'homeassistant/+/+/+/config']);
    const t = (s: string) => `gpio/desk/${s}`;
    expect((await client.until(t('19/pwm/state'), () => true)).payload).toBe('{"frequency":25000,"duty":0.4}');
    expect((await request(client, t('12/pwm'), '{"duty":"60%"}', t('12/pwm/state'))).payload).toBe('{"frequency":1000,"duty":0.6}');
    expect((await request(client, t('12/pwm'), '{"frequency":200}', t('12/pwm/state'))).payload).toBe('{"frequency":200,"duty":0.6}');
    expect((await request(client, t('12/write'), '0', t('12/pwm/state'))).payload).toBe('{"frequency":200,"duty":0}');
    expect((await request(client, t('19/pwm'), '{"frequency":20000}', t('19/pwm/state'))).payload).toBe('{"frequency":20000,"duty":0.4}');
    expect(await expectError(client, t('8/pwm'), '50%', 'desk')).toMatchObject({ topic: t('8/pwm'), error: 'Invalid GPIO operation' });
    for (const pin of [12, 19]) expect((await client.until(`homeassistant/light/rpi-gpio-connector_desk/gpio${pin}/config`, () => true)).payload).toContain('"brightness_command_topic"');
    expect((await client.until('homeassistant/switch/rpi-gpio-connector_desk/gpio8/config', () => true)).payload).toContain('"command_topic":"gpio/desk/8/write"');
  });
});

describe('PWM config problems', () => {
  it('stops before touching pins or broker, every problem listed by path', async () => {
    const service = await Service.start(
      baseConfig(
        { url: 'mqtt://127.0.0.1:1' },
        {
          pins: [
            { pin: 12, direction: 'output', pwm: { frequency: 0, duty: '150%' } },
            { pin: 14, direction: 'input', pwm: { frequency: 100 } },
          ],
        },
      ),
    );
    const exit = await service.waitForExit(15_000);
    expect(exit.code).toBe(2);
    expect(service.stderr).toContain('pins[0].pwm.frequency: the frequency must be a number of Hz from 1 to 1000000, got 0');
    expect(service.stderr).toContain('pins[0].pwm.duty: the duty must be from 0 to 1 or a percentage from "0%" to "100%", got "150%"');
    expect(service.stderr).toContain('pins[1].pwm: only for outputs');
  });
});
