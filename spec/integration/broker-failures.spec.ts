import { readFileSync } from 'node:fs';
import { TestClient } from '../support/client';
import { makePki, passwordFile, tlsSettings } from '../support/certs';
import { cleanupAll } from '../support/cleanup';
import { START_LEVELS, brokerConfig, read } from '../support/config';
import { Mosquitto } from '../support/mosquitto';
import { Service, type LogLine } from '../support/service';

// A broker that says no: refusals and TLS failures at start-up are start-up
// failures (exit 1, one line naming the broker and the reason); during a run
// they are retried with a backoff and logged once, not once per try.
jest.setTimeout(90_000);
afterEach(cleanupAll);

const PASSWORD_SETTINGS = (file: string) => [`password_file ${file}`, 'allow_anonymous false'];
const msg = (l: LogLine) => String(l['msg']);

describe('a broker that refuses at start-up', () => {
  it('exits 1 with one line naming the broker and the reason, for a wrong password', async () => {
    const pki = makePki();
    const file = passwordFile(pki.dir, 'passwd', 'gpio', 'right');
    const broker = await Mosquitto.start({ settings: PASSWORD_SETTINGS(file) });
    const service = await Service.start(brokerConfig(broker.url, { username: 'gpio', password: 'wrong-secret' }));
    const exit = await service.waitForExit(15_000);
    expect(exit.code).toBe(1);
    const lines = service.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`mqtt://127.0.0.1:${broker.port}`);
    expect(lines[0]).toMatch(/a wrong user name or password/);
    expect(service.stderr + JSON.stringify(service.logs)).not.toContain('wrong-secret');
    // It gave up on the first refusal, and never touched the pins' topics.
    expect(service.logs.filter((l) => msg(l) === 'ready')).toEqual([]);
  });

  it('exits 1 when the user is not authorised (anonymous on a broker that needs a login)', async () => {
    const pki = makePki();
    const file = passwordFile(pki.dir, 'passwd', 'gpio', 'right');
    const broker = await Mosquitto.start({ settings: PASSWORD_SETTINGS(file) });
    const service = await Service.start(brokerConfig(broker.url));
    expect((await service.waitForExit(15_000)).code).toBe(1);
    expect(service.stderr).toMatch(/does not authorise this client/);
  });

  it('exits 1 with a plain sentence when the broker requires a client certificate', async () => {
    const pki = makePki();
    const broker = await Mosquitto.start({ settings: tlsSettings(pki, true) });
    const url = `mqtts://127.0.0.1:${broker.port}`;
    const service = await Service.start(brokerConfig(url, { ca: pki.ca }));
    expect((await service.waitForExit(15_000)).code).toBe(1);
    expect(service.stderr.trim().split('\n')).toHaveLength(1);
    expect(service.stderr).toContain(url);
    expect(service.stderr).toContain('the broker requires a client certificate');
  });

  it('exits 1 when the broker certificate is signed by a CA it does not trust', async () => {
    const pki = makePki();
    const broker = await Mosquitto.start({ settings: tlsSettings(pki, true) });
    const service = await Service.start(brokerConfig(`mqtts://127.0.0.1:${broker.port}`, { ca: pki.otherCa, cert: pki.clientCert, key: pki.clientKey }));
    expect((await service.waitForExit(15_000)).code).toBe(1);
    expect(service.stderr).toContain('not signed by a CA this service trusts (check mqtt.ca)');
  });

  it('exits 1 when the broker rejects the client certificate (signed by a CA it does not trust)', async () => {
    const pki = makePki();
    const broker = await Mosquitto.start({ settings: tlsSettings(pki, true) });
    const url = `mqtts://127.0.0.1:${broker.port}`;
    const service = await Service.start(brokerConfig(url, { ca: pki.ca, cert: pki.otherClientCert, key: pki.otherClientKey }));
    expect((await service.waitForExit(15_000)).code).toBe(1);
    expect(service.stderr.trim().split('\n')).toHaveLength(1);
    expect(service.stderr).toMatch(/the broker does not trust the CA that signed the client certificate|the broker rejected the client certificate/);
  });

  it('connects with mutual TLS and the right CA, certificate and key', async () => {
    const pki = makePki();
    const broker = await Mosquitto.start({ settings: tlsSettings(pki, true) });
    const url = `mqtts://127.0.0.1:${broker.port}`;
    const service = await Service.start(brokerConfig(url, { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey }));
    await service.ready();
    const client = await TestClient.connect(url, { ca: readFileSync(pki.ca), cert: readFileSync(pki.clientCert), key: readFileSync(pki.clientKey) });
    await client.subscribe('gpio/t1/8/state');
    expect(await read(client, 8)).toBe(START_LEVELS[8]);
  });

  it('waits, logging once, while nothing listens yet: a broker that starts later is not a failure', async () => {
    const broker = await Mosquitto.start();
    await broker.stop();
    const service = await Service.start(brokerConfig(broker.url));
    await service.waitForLog((l) => /cannot reach the broker yet/.test(msg(l)));
    await new Promise((r) => setTimeout(r, 2_500));
    await broker.restart();
    await service.ready(20_000);
    expect(service.logs.filter((l) => /cannot reach the broker yet/.test(msg(l)))).toHaveLength(1);
  });
});

describe('a broker that starts refusing during a run', () => {
  it('retries with a backoff, logs once when it starts and once when it ends, and comes back by itself', async () => {
    const pki = makePki();
    const right = passwordFile(pki.dir, 'right', 'gpio', 'secret-1');
    const rotated = passwordFile(pki.dir, 'rotated', 'gpio', 'secret-2');
    const broker = await Mosquitto.start({ settings: PASSWORD_SETTINGS(right) });
    const service = await Service.start(brokerConfig(broker.url, { username: 'gpio', password: 'secret-1' }));
    await service.ready();

    // The password is rotated on the broker: every try is refused.
    broker.reconfigure(PASSWORD_SETTINGS(rotated));
    await broker.restart();
    await service.waitForLog((l) => /broker connection failing: the broker does not authorise this client/.test(msg(l)), 15_000);
    // Several refused tries (mosquitto logs each), yet one line in the service's log.
    const refusedTries = () => (broker.log.match(/disconnected, not authori[sz]ed/g) ?? []).length;
    const deadline = Date.now() + 30_000;
    while (refusedTries() < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(refusedTries()).toBeGreaterThanOrEqual(3);
    expect(service.exited).toBeUndefined();
    expect(service.logs.filter((l) => /password/.test(msg(l)) && l['level'] === 'warn')).toHaveLength(1);

    // The right password is back: the service returns by itself and republishes every level.
    broker.reconfigure(PASSWORD_SETTINGS(right));
    await broker.restart();
    const client = await TestClient.connect(broker.url, { username: 'gpio', password: 'secret-1' });
    await client.subscribe('gpio/t1/+/state');
    const back = await service.waitForLog((l) => msg(l) === 'broker connection back', 45_000);
    expect(back['tries']).toEqual(expect.any(Number));
    expect(back['tries'] as number).toBeGreaterThanOrEqual(refusedTries());
    expect(back['downMs']).toEqual(expect.any(Number));
    for (const [pin, level] of Object.entries(START_LEVELS)) {
      expect((await client.until(`gpio/t1/${pin}/state`, (m) => !m.retain)).payload).toBe(level);
    }
    expect(await read(client, 9)).toBe(START_LEVELS[9]);
    expect(service.logs.filter((l) => msg(l) === 'broker connection back')).toHaveLength(1);
  });

  it('retries a TLS failure (the broker came back with a certificate from another CA) the same way, and comes back', async () => {
    const pki = makePki();
    const broker = await Mosquitto.start({ settings: tlsSettings(pki, true) });
    const url = `mqtts://127.0.0.1:${broker.port}`;
    const service = await Service.start(brokerConfig(url, { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey }));
    await service.ready();

    broker.reconfigure([`cafile ${pki.ca}`, `certfile ${pki.otherServerCert}`, `keyfile ${pki.otherServerKey}`, 'require_certificate true']);
    await broker.restart();
    const failing = await service.waitForLog((l) => /^broker connection failing: /.test(msg(l)), 15_000);
    expect(failing['reason']).toBe("the broker's certificate is not signed by a CA this service trusts (check mqtt.ca)");
    // Let it try a few times (mosquitto logs each failed handshake), then check it said so once.
    const handshakes = () => (broker.log.match(/OpenSSL Error|Client <unknown> disconnected|Socket error on client <unknown>/g) ?? []).length;
    const deadline = Date.now() + 20_000;
    while (handshakes() < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(handshakes()).toBeGreaterThanOrEqual(3);
    expect(service.logs.filter((l) => /^broker connection failing: /.test(msg(l)))).toHaveLength(1);
    expect(service.exited).toBeUndefined();

    broker.reconfigure(tlsSettings(pki, true));
    await broker.restart();
    const back = await service.waitForLog((l) => msg(l) === 'broker connection back', 45_000);
    expect(back['after']).toBe("the broker's certificate is not signed by a CA this service trusts (check mqtt.ca)");
    const client = await TestClient.connect(url, { ca: readFileSync(pki.ca), cert: readFileSync(pki.clientCert), key: readFileSync(pki.clientKey) });
    await client.subscribe('gpio/t1/9/state');
    expect(await read(client, 9)).toBe(START_LEVELS[9]);
  });
});
