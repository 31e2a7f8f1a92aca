import { readFileSync } from 'node:fs';
import { startAlpnBroker } from '../support/alpn-broker';
import { makePki } from '../support/certs';
import { cleanupAll, sleep } from '../support/cleanup';
import { TestClient } from '../support/client';
import { START_LEVELS, brokerConfig, read } from '../support/config';
import { Mosquitto } from '../support/mosquitto';
import { Service } from '../support/service';

// AWS IoT Core on port 443 takes MQTT only with the TLS ALPN protocol
// x-amzn-mqtt-ca. No real endpoint is ever dialled: a local TLS broker that
// closes any connection without that protocol stands in for it.
jest.setTimeout(60_000);
afterEach(cleanupAll);

describe('ALPN against a broker that requires x-amzn-mqtt-ca', () => {
  it('connects and answers with mqtt.alpn: x-amzn-mqtt-ca and a client certificate', async () => {
    const pki = makePki();
    const broker = await startAlpnBroker(pki);
    const url = `mqtts://127.0.0.1:${broker.port}`;
    const service = await Service.start(brokerConfig(url, { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey, alpn: 'x-amzn-mqtt-ca' }));
    await service.ready();
    const tls = { ca: readFileSync(pki.ca), cert: readFileSync(pki.clientCert), key: readFileSync(pki.clientKey), ALPNProtocols: ['x-amzn-mqtt-ca'] };
    const client = await TestClient.connect(url, tls);
    await client.subscribe('gpio/t1/8/state');
    expect(await read(client, 8)).toBe(START_LEVELS[8]);
    expect(broker.accepted).toEqual(['x-amzn-mqtt-ca', 'x-amzn-mqtt-ca']);
    expect(broker.refused).toBe(0);
  });

  it('is refused without it: the broker closes every connection that offers no ALPN', async () => {
    const pki = makePki();
    const broker = await startAlpnBroker(pki);
    const service = await Service.start(brokerConfig(`mqtts://127.0.0.1:${broker.port}`, { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey }));
    // It keeps trying (a closed connection looks like a network failure), and says so once.
    const line = await service.waitForLog((l) => /cannot reach the broker yet/.test(String(l['msg'])));
    expect(line['msg']).toMatch(/closed the connection before accepting it \(AWS IoT Core on port 443 does so without the ALPN protocol x-amzn-mqtt-ca/);
    const deadline = Date.now() + 15_000;
    while (broker.refused < 2 && Date.now() < deadline) await sleep(100);
    expect(broker.refused).toBeGreaterThanOrEqual(2);
    expect(broker.accepted).toEqual([]);
    expect(service.logs.filter((l) => l['msg'] === 'ready')).toEqual([]);
    expect(service.logs.filter((l) => /cannot reach the broker yet/.test(String(l['msg'])))).toHaveLength(1);
  });
});

describe('the config check for AWS IoT Core', () => {
  it('warns at start-up about a client id over 128 bytes, and still runs against a broker that takes it', async () => {
    const broker = await Mosquitto.start();
    const service = await Service.start(brokerConfig(broker.url, { clientId: `c${'x'.repeat(128)}` }));
    const warning = await service.waitForLog((l) => l['level'] === 'warn' && /clientId/.test(String(l['msg'])));
    expect(warning['msg']).toBe('mqtt.clientId is 129 bytes long: AWS IoT Core refuses client ids over 128 bytes (set a shorter mqtt.clientId or thingName)');
    await service.ready();
  });

  it('says nothing about the default client id', async () => {
    const broker = await Mosquitto.start();
    const service = await Service.start(brokerConfig(broker.url));
    await service.ready();
    expect(service.logs.filter((l) => l['level'] === 'warn')).toEqual([]);
  });
});
