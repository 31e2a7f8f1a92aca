import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cleanupAll, Order, sleep, track } from '../support/cleanup';
import { embeddedConfig } from '../support/config';
import { freePort } from '../support/ports';
import { ROOT, Service } from '../support/service';

// Item 5 of issue 15: the README's MQTT 5 example, taken from README.md as it
// is and run as written (on a free port instead of 1884) against a real
// Mosquitto, with Debian's mosquitto_sub and mosquitto_pub; and its claim that
// the embedded broker of `npm start` refuses MQTT 5 clients.
jest.setTimeout(60_000);
afterEach(cleanupAll);

const README_PORT = '1884';
const run = promisify(execFile);

interface Command {
  readonly argv: string[];
  readonly background: boolean;
}

/** The yaml and sh blocks of the README section "MQTT 5 request/response", and the output the sh block promises. */
function example(): { yaml: string; commands: Command[]; output: string[] } {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('### MQTT 5 request/response');
  if (start < 0) throw new Error('no README section "MQTT 5 request/response"');
  const section = readme.slice(start, readme.indexOf('\n### ', start + 1));
  const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
  const sh = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  if (yaml === undefined || sh === undefined) throw new Error('the README section "MQTT 5 request/response" needs a yaml and an sh block');
  const lines = sh.replace(/\\\n/g, ' ').split('\n').filter((l) => l.trim() !== '');
  return {
    yaml,
    commands: lines.filter((l) => !l.startsWith('#')).map(words),
    output: lines.filter((l) => l.startsWith('# ')).map((l) => l.slice(2)),
  };
}

/** Shell words of one command line: plain words and single-quoted ones, a trailing `&`, a `#` comment. */
function words(line: string): Command {
  const argv: string[] = [];
  let background = false;
  for (const m of line.matchAll(/'([^']*)'|(\S+)/g)) {
    const word = m[1] ?? (m[2] as string);
    if (m[2] !== undefined && word.startsWith('#')) break;
    if (m[2] === '&') background = true;
    else if (m[2] === '&&' || m[2] === ';' || m[2] === '|') throw new Error(`the README's commands are one per line: ${line}`);
    else argv.push(word);
  }
  return { argv, background };
}

/** A program from the README, stopped after the test. */
function start(argv: string[]): { child: ChildProcess; out: () => string; err: () => string } {
  const [program, ...args] = argv as [string, ...string[]];
  let out = '';
  let err = '';
  const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  child.on('error', (e) => (err += `[spawn error] ${String(e)}\n`));
  const exited = new Promise<void>((done) => child.once('close', () => done()));
  track(child, program === 'mosquitto' ? Order.Broker : Order.Client, async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  });
  return { child, out: () => out, err: () => err };
}

const accepts = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

/** The README's `mosquitto -p 1884`, on a free port (another one if that is taken before mosquitto binds it). */
async function startMosquitto(argv: string[]): Promise<string> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = String(await freePort());
    const broker = start(argv.map((a) => (a === README_PORT ? port : a)));
    const deadline = Date.now() + 5_000;
    while (broker.child.exitCode === null && Date.now() < deadline) {
      if (await accepts(Number(port))) return port;
      await sleep(50);
    }
    broker.child.kill('SIGTERM');
  }
  throw new Error('mosquitto -p PORT did not start on any of 5 free ports');
}

const needClients = (): void => {
  for (const bin of ['/usr/bin/mosquitto_sub', '/usr/bin/mosquitto_pub']) {
    if (!existsSync(bin)) throw new Error(`${bin} not found: apt-get install mosquitto-clients (scripts/system-deps.sh does so)`);
  }
};

describe("the README's MQTT 5 example", () => {
  it('runs as written against a real Mosquitto and prints the answer it promises', async () => {
    needClients();
    const { yaml, commands, output } = example();
    expect(commands.map((c) => [c.argv.slice(0, 3).join(' '), c.background])).toEqual([
      ['mosquitto -p 1884', true],
      ['npm run build', false],
      ['node dist/main.js --config', true],
      ['mosquitto_sub -V mqttv5', true],
      ['mosquitto_pub -V mqttv5', false],
    ]);
    const [mosquitto, , service, sub, pub] = commands as [Command, Command, Command, Command, Command];
    expect(output).toHaveLength(1);

    const port = await startMosquitto(mosquitto.argv);
    const at = (argv: string[]): string[] => argv.map((a) => (a === README_PORT ? port : a));
    // `npm run build` has run (npm test builds before jest); the service is the built one, with the README's mqtt5.yaml.
    expect(service.argv).toEqual(['node', 'dist/main.js', '--config', 'mqtt5.yaml']);
    expect(yaml).toContain(`url: mqtt://127.0.0.1:${README_PORT}\n`);
    const running = await Service.start(yaml.replace(`:${README_PORT}`, `:${port}`));
    await running.ready();

    const subscriber = start(at(sub.argv));
    // mosquitto_sub says nothing when it has subscribed: ask until its answer comes
    // (an answer published before it subscribed goes to nobody).
    for (let i = 0; i < 30 && subscriber.out() === ''; i++) {
      const published = await run(at(pub.argv)[0] as string, at(pub.argv).slice(1), { timeout: 10_000 });
      expect(published.stderr).toBe('');
      await sleep(300);
    }
    expect({ first: subscriber.out().split('\n')[0], stderr: subscriber.err() }).toEqual({ first: output[0], stderr: '' });
  });

  it('is refused by the embedded broker of npm start, as the README says: it speaks MQTT 3.1.1 only', async () => {
    needClients();
    const { commands } = example();
    const pub = commands.find((c) => c.argv[0] === 'mosquitto_pub') as Command;
    const port = await freePort();
    const running = await Service.start(embeddedConfig(port, {}, { thingName: 'my-pi' }));
    await running.ready();
    const refused = await run(pub.argv[0] as string, pub.argv.slice(1).map((a) => (a === README_PORT ? String(port) : a)), { timeout: 10_000 }).then(
      () => undefined,
      (e: { stderr?: string }) => e,
    );
    expect(refused?.stderr).toContain('Connection error: Unsupported Protocol Version');
  });
});
