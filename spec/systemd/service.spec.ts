import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { makePki, passwordFile, tlsSettings } from '../support/certs';
import { TestClient } from '../support/client';
import { cleanupAll } from '../support/cleanup';
import { gpioinfo, gpioSimUnavailable, hardwareDrivers, KernelGpioSim } from '../support/gpio-sim';
import { Mosquitto } from '../support/mosquitto';
import { ROOT } from '../support/service';

// The systemd install as README.md "Installing on Raspberry Pi OS" writes it,
// under a real systemd: `npm run test:hardware` boots the VM with systemd as
// PID 1 (scripts/vm/run.sh --systemd) and runs this there. It changes the
// system it runs on (a group, a user, /etc, a unit): it refuses to run
// anywhere but that throwaway VM, and says so.
const notHere = (): string | undefined => {
  if (process.env.RPI_GPIO_VM !== '1') return 'it installs users, groups and a unit: it runs only in the VM (scripts/vm/run.sh --systemd, from npm run test:hardware)';
  if (readFileSync('/proc/1/comm', 'utf8').trim() !== 'systemd') return 'PID 1 is not systemd (scripts/vm/run.sh --systemd)';
  return gpioSimUnavailable();
};
const why = notHere();
if (why !== undefined) throw new Error(`NOT RUN: the systemd suite cannot run here: ${why}`);

// Sized for a VM under plain emulation, where node runs 10-50 times slower.
jest.setTimeout(300_000);
const READY_MS = 180_000;
const ANSWER_MS = 30_000;
afterAll(cleanupAll);

const UNIT = 'rpi-gpio-connector';
const OPT = '/opt/rpi-gpio-connector';
const ETC = '/etc/rpi-gpio-connector';
const THING = 'sd';
const LABEL = 'pinctrl-bcm2711';
// Node.js 20 installed as its tarball says (Bookworm's apt has 18): not /usr/bin/node.
const NODE_HOME = '/opt/node-v20/bin/node';
const NODE_LINK = '/usr/local/bin/node';
const USER = 'gpio-bridge';

interface Run {
  status: number | null;
  out: string;
}
const run = (file: string, args: string[], env: Record<string, string> = {}): Run => {
  const r = spawnSync(file, args, { encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
};
const sh = (file: string, ...args: string[]): string => execFileSync(file, args, { encoding: 'utf8' }).trim();
const show = (prop: string): string => sh('systemctl', 'show', '-P', prop, UNIT);
const install = (...args: string[]): Run => run(join(OPT, 'deploy', 'install.sh'), args);

/** The service's JSON log lines in the journal, oldest first. */
const journal = (): Record<string, unknown>[] =>
  sh('journalctl', '-u', UNIT, '-o', 'cat', '--no-pager')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
const logged = (msg: string) => journal().filter((l) => l.msg === msg);

const waitFor = async <T>(what: string, check: () => T | undefined, ms: number): Promise<T> => {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms; ${UNIT}: ${show('ActiveState')}/${show('SubState')}, journal:\n${run('journalctl', ['-u', UNIT, '-o', 'cat', '--no-pager', '-n', '30']).out}`);
    await new Promise((r) => setTimeout(r, 250));
  }
};
/** The n-th ready line in the journal (1: the first), waiting for it. */
const readyNumber = (n: number) => waitFor(`ready line #${n}`, () => logged('ready')[n - 1], READY_MS);

const mainPid = (): number => Number(show('MainPID'));
const statusOf = (pid: number, key: string): string => {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(`${key}:`));
  return line === undefined ? '' : line.slice(key.length + 1).trim();
};
const mode = (file: string) => {
  const s = statSync(file);
  return { mode: (s.mode & 0o7777).toString(8), owner: sh('stat', '-c', '%U:%G', file) };
};
const ourLines = (chip: KernelGpioSim, offsets: number[]) => offsets.map((o) => ({ line: o, consumer: gpioinfo(chip.chipName, o).consumer }));

describe(`deploy/install.sh and ${UNIT}.service under a real systemd (PID 1, Linux ${sh('uname', '-r')}, gpio-sim)`, () => {
  let chip: KernelGpioSim;
  let broker: Mosquitto;
  let client: TestClient;
  let configFor: (driver: 'libgpiod' | 'cdev') => string;
  let placeTls: () => void;
  /** Ready lines before the current start: each start waits for one more. */
  let readiesBefore = 0;
  const drivers = hardwareDrivers();

  beforeAll(async () => {
    // A fresh system as a new Raspberry Pi OS install would be for this: no
    // gpio group, no service user, node 20 somewhere else than /usr/bin, the
    // checkout in /opt. The VM's root is a throwaway overlay of the host's.
    if (run('id', [USER]).status === 0) sh('userdel', USER);
    if (run('getent', ['group', 'gpio']).status === 0) sh('groupdel', 'gpio');
    mkdirSync('/opt/node-v20/bin', { recursive: true });
    copyFileSync(process.execPath, NODE_HOME);
    execFileSync('chmod', ['755', NODE_HOME]);
    if (!existsSync(NODE_LINK)) symlinkSync(NODE_HOME, NODE_LINK);
    mkdirSync(OPT, { recursive: true });
    sh('mount', '--bind', ROOT, OPT);

    chip = KernelGpioSim.create(LABEL, 58);
    // Mutual TLS and a password: the config holds a secret and names a key.
    const pki = makePki();
    const pw = passwordFile(pki.dir, 'passwd', 'bridge', 's3cret');
    broker = await Mosquitto.start({ settings: [...tlsSettings(pki, true), `password_file ${pw}`, 'allow_anonymous false'] });
    placeTls = () => {
      mkdirSync(ETC, { recursive: true });
      for (const f of ['ca.crt', 'client.crt', 'client.key']) copyFileSync(join(pki.dir, f), join(ETC, f));
      execFileSync('chmod', ['600', join(ETC, 'client.key')]); // root only: the service user cannot read it yet
    };
    const dir = mkdtempSync(join(tmpdir(), 'systemd-spec-'));
    configFor = (driver) => {
      const file = join(dir, `${driver}.yaml`);
      writeFileSync(
        file,
        stringify({
          thingName: THING,
          InputGpios: '5,6U',
          OutputGpios: '8H,9',
          pins: [{ pin: 17, direction: 'input', bias: 'pull-up', edge: 'both', events: true, count: 'rising' }],
          InputPollPeriod: 50,
          mqtt: { url: `mqtts://127.0.0.1:${broker.port}`, username: 'bridge', password: 's3cret', ca: `${ETC}/ca.crt`, cert: `${ETC}/client.crt`, key: `${ETC}/client.key` },
          gpio: { driver, chip: 'auto' },
        }),
      );
      return file;
    };
    client = await TestClient.connect(`mqtts://127.0.0.1:${broker.port}`, { ca: readFileSync(pki.ca), cert: readFileSync(pki.clientCert), key: readFileSync(pki.clientKey), username: 'bridge', password: 's3cret' });
    await client.subscribe([`gpio/${THING}/+/state`, `gpio/${THING}/+/event`, `gpio/${THING}/+/count`, `gpio/${THING}/status`, `gpio/${THING}/error`]);
  });

  it("the old README's `useradd --groups gpio` fails on this fresh system: there is no gpio group", () => {
    const r = run('useradd', ['--system', '--home', OPT, '--shell', '/usr/sbin/nologin', '--groups', 'gpio', `${USER}-old`]);
    expect(r.status).not.toBe(0);
    expect(r.out).toMatch(/group 'gpio' does not exist/);
  });

  it("the README's steps by hand, run as written (sudo as a pass-through: this runs as root), on the fresh system: the sample config is ready on the gpio-sim chip", async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const from = readme.indexOf('```sh\n', readme.indexOf('<!-- manual-install')) + 6;
    // All but the last line, `journalctl -f`, which never ends.
    const steps = readme.slice(from, readme.indexOf('\n```', from)).split('\n').filter((l) => !l.startsWith('journalctl -u'));
    const r = run('sh', ['-ec', ['sudo() { "$@"; }', ...steps].join('\n')]);
    console.log(r.out);
    expect(r.status).toBe(0);
    expect(readFileSync(`/etc/systemd/system/${UNIT}.service.d/node.conf`, 'utf8')).toContain(`ExecStart=${NODE_LINK} --lite-mode --no-expose-wasm ${OPT}/dist/main.js`);
    expect(mode(`${ETC}/config.yaml`)).toEqual({ mode: '640', owner: `root:${USER}` });
    expect(mode('/dev/' + chip.chipName)).toEqual({ mode: '660', owner: 'root:gpio' });
    const ready = await readyNumber(1);
    expect(ready).toMatchObject({ chip: `${chip.chipName} (${LABEL})`, thing: 'my-pi' });
    expect(readlinkSync(`/proc/${mainPid()}/exe`)).toBe(NODE_HOME);
    sh('systemctl', 'stop', UNIT);
    expect(show('Result')).toBe('success');

    // Back to a fresh system for deploy/install.sh.
    sh('systemctl', 'disable', '--quiet', UNIT);
    sh('rm', '-rf', `/etc/systemd/system/${UNIT}.service`, `/etc/systemd/system/${UNIT}.service.d`, ETC, '/etc/udev/rules.d/60-gpiochip.rules');
    sh('systemctl', 'daemon-reload');
    sh('userdel', USER);
    sh('groupdel', 'gpio');
    sh('udevadm', 'control', '--reload');
    chip.dispose();
    chip = KernelGpioSim.create(LABEL, 58);
    readiesBefore = logged('ready').length;
  });

  it('deploy/install.sh on the fresh system: the gpio group and its udev rule, the user, the config 0640 root:gpio-bridge; it stops at a TLS key the user cannot read, naming it and the fix', () => {
    expect(mode('/dev/' + chip.chipName)).toEqual({ mode: '600', owner: 'root:root' }); // as devtmpfs makes it, no rule yet
    expect(run('getent', ['group', 'gpio']).status).toBe(2);
    placeTls();
    const r = install('--config', configFor(drivers[0]!), '--no-start');
    console.log(r.out);
    expect(r.status).toBe(1);
    expect(r.out).toContain(`FAILED: mqtt.key (${ETC}/client.key) not readable by ${USER}`);
    expect(r.out).toContain(`sudo install -m 0640 -o root -g ${USER} client.key ${ETC}/`);
    expect(r.out).toContain(`node: ${NODE_LINK}`);

    expect(sh('getent', 'group', 'gpio')).toMatch(new RegExp(`^gpio:x:\\d+:${USER}$`));
    expect(sh('id', '-nG', USER).split(' ').sort()).toEqual(['gpio', USER].sort());
    expect(sh('getent', 'passwd', USER)).toMatch(new RegExp(`:${OPT}:/usr/sbin/nologin$`));
    expect(readFileSync('/etc/udev/rules.d/60-gpiochip.rules', 'utf8')).toBe(readFileSync(join(ROOT, 'deploy', '60-gpiochip.rules'), 'utf8'));
    expect(mode('/dev/' + chip.chipName)).toEqual({ mode: '660', owner: 'root:gpio' });

    expect(mode(`${ETC}/config.yaml`)).toEqual({ mode: '640', owner: `root:${USER}` });
    expect(mode(ETC)).toEqual({ mode: '750', owner: `root:${USER}` });
    expect(run('runuser', ['-u', 'nobody', '--', 'cat', `${ETC}/config.yaml`]).status).not.toBe(0);
    expect(run('runuser', ['-u', USER, '--', 'cat', `${ETC}/config.yaml`]).out).toContain('password: s3cret');
    expect(existsSync(`/etc/systemd/system/${UNIT}.service`)).toBe(false);
  });

  it('with the key made readable as it says, deploy/install.sh installs the unit with a drop-in for the node it found, enabled', () => {
    execFileSync('chgrp', [USER, join(ETC, 'client.key')]);
    execFileSync('chmod', ['0640', join(ETC, 'client.key')]);
    const r = install('--config', configFor(drivers[0]!), '--no-start');
    console.log(r.out);
    expect(r.status).toBe(0);
    expect(show('ExecStart')).toContain(`path=${NODE_LINK} ; argv[]=${NODE_LINK} --lite-mode --no-expose-wasm ${OPT}/dist/main.js --config ${ETC}/config.yaml ;`);
    expect(show('DropInPaths')).toBe(`/etc/systemd/system/${UNIT}.service.d/node.conf`);
    expect(sh('systemctl', 'is-enabled', UNIT)).toBe('enabled');
    expect(show('ActiveState')).toBe('inactive');
    const verify = run('systemd-analyze', ['verify', `${UNIT}.service`]);
    expect({ status: verify.status, out: verify.out.trim() }).toEqual({ status: 0, out: '' });
  });

  it('deploy/install.sh run again changes nothing and duplicates nothing', () => {
    const before = ['/etc/group', '/etc/passwd', `${ETC}/config.yaml`, `/etc/systemd/system/${UNIT}.service.d/node.conf`].map((f) => readFileSync(f, 'utf8'));
    const r = install('--no-start');
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/group gpio: exists/);
    expect(r.out).toMatch(new RegExp(`user ${USER}: exists, in group gpio`));
    expect(r.out).toMatch(/config: kept/);
    const after = ['/etc/group', '/etc/passwd', `${ETC}/config.yaml`, `/etc/systemd/system/${UNIT}.service.d/node.conf`].map((f) => readFileSync(f, 'utf8'));
    expect(after).toEqual(before);
  });

  it(`systemctl start: ready on the gpio-sim lines, as ${USER}, with the node the drop-in names, under the unit's system call filter`, async () => {
    sh('systemctl', 'start', UNIT);
    const ready = await readyNumber(readiesBefore + 1);
    expect(ready).toMatchObject({ driver: drivers[0], chip: `${chip.chipName} (${LABEL})`, thing: THING, edgeInputs: [17] });
    const pid = mainPid();
    expect(readlinkSync(`/proc/${pid}/exe`)).toBe(NODE_HOME);
    expect(statusOf(pid, 'Uid').split(/\s+/)[0]).toBe(sh('id', '-u', USER));
    expect(statusOf(pid, 'Seccomp')).toBe('2'); // SystemCallFilter: a seccomp filter is on the process
    expect(show('SystemCallFilter')).not.toBe('');
    expect(ourLines(chip, [5, 6, 8, 9, 17])).toEqual([5, 6, 8, 9, 17].map((line) => ({ line, consumer: 'rpi-gpio-connector' })));
    await client.until(`gpio/${THING}/status`, (m) => m.payload === 'online', ANSWER_MS);
    await client.until(`gpio/${THING}/6/state`, (m) => m.payload === '1', ANSWER_MS);
  });

  it('a write through Mosquitto drives the gpio-sim line', async () => {
    expect(chip.level(9)).toBe(0);
    await client.publish(`gpio/${THING}/9/write`, '1');
    await client.until(`gpio/${THING}/9/state`, (m) => m.payload === '1', ANSWER_MS);
    expect(chip.level(9)).toBe(1);
  });

  const edgesSeen = async (): Promise<void> => {
    // The native reader thread (clone3, epoll_*, eventfd2 ...) reads these: a
    // filter that refused one of its calls would leave no event to publish.
    client.drain(`gpio/${THING}/17/event`);
    chip.drive(17, 0);
    await client.until(`gpio/${THING}/17/event`, (m) => JSON.parse(m.payload).edge === 'falling', ANSWER_MS);
    chip.drive(17, 1);
    const rising = JSON.parse((await client.until(`gpio/${THING}/17/event`, (m) => JSON.parse(m.payload).edge === 'rising', ANSWER_MS)).payload);
    expect(rising).toMatchObject({ edge: 'rising', level: 1 });
    expect(BigInt(rising.timestampNs)).toBeGreaterThan(0n);
    await client.until(`gpio/${THING}/17/count`, (m) => Number(m.payload) >= 1, ANSWER_MS);
  };

  it('edges are seen under the hardened unit: its SystemCallFilter does not kill the edge reader thread', async () => {
    const pid = mainPid();
    await edgesSeen();
    expect(mainPid()).toBe(pid);
    expect(show('NRestarts')).toBe('0');
    expect(journal().filter((l) => l.level === 'error' || l.level === 'fatal')).toEqual([]);
  });

  it('a crash (SIGKILL of the main process) restarts it, ready again on the same lines', async () => {
    const pid = mainPid();
    process.kill(pid, 'SIGKILL');
    await waitFor('a restart', () => (show('NRestarts') === '1' && show('ActiveState') === 'active' && mainPid() !== pid ? true : undefined), READY_MS);
    await readyNumber(readiesBefore + 2);
    expect(mainPid()).not.toBe(pid);
    await client.publish(`gpio/${THING}/8/write`, '0');
    await client.until(`gpio/${THING}/8/state`, (m) => m.payload === '0', ANSWER_MS);
    expect(chip.level(8)).toBe(0);
  });

  it('systemctl stop: a clean exit, offline published, every line released', async () => {
    client.drain(`gpio/${THING}/status`);
    sh('systemctl', 'stop', UNIT);
    expect({ active: show('ActiveState'), result: show('Result'), status: show('ExecMainStatus') }).toEqual({ active: 'inactive', result: 'success', status: '0' });
    expect(logged('stopped').length).toBeGreaterThanOrEqual(1);
    expect((await client.until(`gpio/${THING}/status`, (m) => m.payload === 'offline', ANSWER_MS)).payload).toBe('offline');
    expect(ourLines(chip, [5, 6, 8, 9, 17])).toEqual([5, 6, 8, 9, 17].map((line) => ({ line, consumer: undefined })));
    expect(readFileSync('/sys/kernel/debug/gpio', 'utf8')).not.toContain('rpi-gpio-connector');
  });

  for (const driver of drivers.slice(1)) {
  it(`with gpio.driver: ${driver}, installed again by deploy/install.sh --config: ready, edges seen under the filter, stopped cleanly`, async () => {
    const readies = logged('ready').length;
    const r = install('--config', configFor(driver));
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/started/);
    expect(await readyNumber(readies + 1)).toMatchObject({ driver, edgeInputs: [17] });
    expect(statusOf(mainPid(), 'Seccomp')).toBe('2');
    await edgesSeen();
    sh('systemctl', 'stop', UNIT);
    expect({ active: show('ActiveState'), result: show('Result') }).toEqual({ active: 'inactive', result: 'success' });
    expect(ourLines(chip, [5, 6, 8, 9, 17]).every((l) => l.consumer === undefined)).toBe(true);
  });
  }

  afterAll(() => {
    run('systemctl', ['stop', UNIT]);
    chip?.dispose();
    run('umount', [OPT]);
  });
});
