import { TestClient } from '../support/client';
import { makePki, passwordFile } from '../support/certs';
import { cleanupAll } from '../support/cleanup';
import { START_LEVELS, brokerConfig, read } from '../support/config';
import { Mosquitto } from '../support/mosquitto';
import { freePort } from '../support/ports';
import { Service } from '../support/service';

// The built service over MQTT on websockets (ws://) to a real Mosquitto with a
// password file, with Home Assistant discovery on: what a Home Assistant
// add-on broker behind a proxy looks like.
jest.setTimeout(60_000);
afterEach(cleanupAll);

describe('websockets', () => {
  it('connects over ws:// with a user name and password, announces, and answers', async () => {
    const pki = makePki();
    const file = passwordFile(pki.dir, 'passwd', 'gpio', 'ws-secret');
    const wsPort = await freePort();
    const broker = await Mosquitto.start({
      settings: [`password_file ${file}`, 'allow_anonymous false'],
      extra: [`listener ${wsPort} 127.0.0.1`, 'protocol websockets'],
    });
    const service = await Service.start(
      brokerConfig(`ws://127.0.0.1:${wsPort}`, { username: 'gpio', password: 'ws-secret' }, { homeAssistant: { discovery: true } }),
    );
    const ready = await service.ready();
    expect(ready['broker']).toBe(`ws://127.0.0.1:${wsPort}`);
    // A client on the plain TCP listener of the same broker sees it all.
    const client = await TestClient.connect(broker.url, { username: 'gpio', password: 'ws-secret' });
    await client.subscribe(['homeassistant/switch/+/+/config', 'gpio/t1/8/state']);
    const config = await client.next('homeassistant/switch/rpi-gpio-connector_t1/gpio8/config');
    expect(JSON.parse(config.payload)).toMatchObject({ command_topic: 'gpio/t1/8/write', state_topic: 'gpio/t1/8/state' });
    expect(await read(client, 8)).toBe(START_LEVELS[8]);
    expect(JSON.stringify(service.logs)).not.toContain('ws-secret');
  });
});
