/**
 * Figure 12, ARM (emulated): the service's CPU per poll tick and per edge on
 * the real kernel's gpio-sim, in an arm64 and an armhf (32-bit) userland on
 * Debian's arm64 kernel, next to x86-64, all three under QEMU's TCG
 * (bench/arm-measure.js in scripts/vm/run.sh). What it can show is that no
 * path is orders slower on ARM (a BigInt, a syscall or a 64-bit value that
 * costs more on a 32-bit process), not what a Pi takes: a Pi runs natively.
 */
import { existsSync } from 'node:fs';
import type { Bench, Context } from './lib/bench';
import { ROOT } from './lib/procs';
import { fmt, type Section, type Target } from './lib/report';
import { ratios, summarize } from './lib/stats';
import { runLogged } from './lib/vm';

interface ArmResult {
  readonly arch: string;
  readonly kernel: string;
  readonly node: string;
  readonly polledInputs: number;
  readonly pollPeriodMs: number;
  readonly windowMs: number;
  readonly edgesPerRun: number;
  readonly pollTickUs: ReadonlyArray<number>;
  readonly edgeUs: ReadonlyArray<number>;
  readonly edgesCounted: ReadonlyArray<number>;
}

const CACHE = process.env['RPI_GPIO_ARM_CACHE'] ?? '/var/cache/rpi-gpio-connector/arm';
/** ARM / x86-64, both emulated: more than this would be a path that differs, not the emulation. */
const MAX_RATIO = 3;

const sides = [
  { name: 'x86-64', args: [] as string[] },
  { name: 'arm64', args: ['--arch', 'arm64', '--root', `${CACHE}/trixie-arm64`] },
  { name: 'armhf (32-bit on the arm64 kernel)', args: ['--arch', 'arm64', '--root', `${CACHE}/trixie-armhf`] },
];

const measure = async (side: (typeof sides)[number], measureArgs: string[], ctx: Context): Promise<ArmResult> => {
  const { code, stdout } = await runLogged(
    'nice',
    ['-n', '10', 'scripts/vm/run.sh', ...side.args, '--chip', 'pinctrl-bcm2711:58', '--cwd', ROOT, '--timeout', '3600', '--', 'node', 'bench/arm-measure.js', ...measureArgs],
    ctx,
    ['vm:', 'arm-measure'],
    // The same emulation for all three: KVM, where it works, would make x86-64 native.
    { RPI_GPIO_VM_ACCEL: 'tcg' },
  );
  const line = stdout.split('\n').find((l) => l.startsWith('ARM-BENCH '));
  if (code !== 0 || line === undefined) throw new Error(`the ${side.name} measurement failed (exit ${code}): ${stdout.slice(-2000)}`);
  return JSON.parse(line.slice('ARM-BENCH '.length)) as ArmResult;
};

export const arm: Bench = {
  id: 'arm',
  async run(ctx: Context): Promise<Section> {
    for (const t of ['arm64', 'armhf']) {
      if (!existsSync(`${CACHE}/trixie-${t}/.ready`)) throw new Error(`not run: no ${t} trixie userland in ${CACHE} (sudo scripts/check-arm.sh makes it)`);
    }
    if (existsSync(`${ROOT}/build`)) throw new Error('not run: build/ holds an x86-64 source build of the addon, which the ARM userlands would load before their prebuilt one: move it aside');
    const runs = ctx.quick ? 1 : 3;
    const args = ctx.quick ? ['1', '3000', '40'] : [String(runs), '10000', '200'];
    const results: ArmResult[] = [];
    for (const side of sides) results.push(await measure(side, args, ctx));
    const x86 = results[0] as ArmResult;
    const targets: Target[] = [];
    const cells = results.map((r, i) => {
      const side = sides[i] as (typeof sides)[number];
      const tickRatio = summarize(ratios(r.pollTickUs, x86.pollTickUs));
      const edgeRatio = summarize(ratios(r.edgeUs, x86.edgeUs));
      if (i > 0) {
        targets.push(
          { what: `${side.name}: CPU per poll tick / x86-64's (both emulated)`, goal: `≤ ${MAX_RATIO} ×`, value: `${fmt(tickRatio.median)} ×`, met: tickRatio.median <= MAX_RATIO },
          { what: `${side.name}: CPU per edge / x86-64's (both emulated)`, goal: `≤ ${MAX_RATIO} ×`, value: `${fmt(edgeRatio.median)} ×`, met: edgeRatio.median <= MAX_RATIO },
        );
      }
      return [
        `${side.name}: ${r.arch}, node ${r.node}, Linux ${r.kernel}`,
        summarize(r.pollTickUs),
        i === 0 ? '1' : tickRatio,
        summarize(r.edgeUs),
        i === 0 ? '1' : edgeRatio,
        `${r.edgesCounted.join(', ')} of ${r.edgesPerRun}`,
      ];
    });
    return {
      id: this.id,
      title: '12. ARM (emulated)',
      about: [
        'The built service (`node dist/main.js`, `gpio.driver: cdev`, the embedded broker) on the kernel\'s gpio-sim chip, in three VMs booted by ' +
          '`scripts/vm/run.sh`, all under QEMU\'s TCG (plain emulation, 1 vCPU): x86-64 (Debian\'s amd64 kernel, this machine\'s userland), arm64 and armhf ' +
          '(Debian trixie\'s arm64 kernel on a Cortex-A72, the trees of `scripts/check-arm.sh`, with their own Node.js; the addon is the prebuilt one for each). ' +
          `**Per poll tick**: ${x86.polledInputs} polled inputs (\`InputGpios\`) at ${x86.pollPeriodMs} ms, idle; the service's CPU time (/proc, user + system) ` +
          `over ${x86.windowMs} ms by the ticks in it. **Per edge**: one edge input (\`edge: both\`) whose line the sim toggles ${x86.edgesPerRun} times, ` +
          '20 ms apart; the service\'s CPU while they come (and 2 s more), less its idle CPU over as long, by the edges; each edge\'s state message goes ' +
          'through the embedded broker to a subscriber, which counts them. ' +
          `${runs} run${runs === 1 ? '' : 's'} per VM; ratios run by run against x86-64.`,
        '**Emulated**: TCG translates each guest instruction set differently, so a ratio mixes our code\'s cost with the emulation\'s; what it can show is ' +
          `that nothing is orders slower on ARM (a path that differs, such as a BigInt or a 64-bit value in a 32-bit process), hence the loose goal of ${MAX_RATIO} ×. ` +
          'A Raspberry Pi runs natively: its figures are far lower than all three.',
      ],
      tables: [{ columns: ['userland', 'µs CPU per poll tick', '/ x86-64', 'µs CPU per edge', '/ x86-64', 'state messages counted'], cells }],
      targets,
      raw: { results, emulated: true },
    };
  },
};
