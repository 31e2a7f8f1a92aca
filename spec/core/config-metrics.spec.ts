import * as E from 'fp-ts/Either';
import { decodeConfig } from '../../src/core/config';
import type { Config } from '../../src/core/model';

const env = { AWS_IOT_THING_NAME: 'm1' };
const decode = (extra: Record<string, unknown>) => decodeConfig({ InputGpios: '5', ...extra }, env);
const right = (extra: Record<string, unknown>): Config => {
  const r = decode(extra);
  if (E.isLeft(r)) throw new Error(`expected a valid config, got:\n${r.left.join('\n')}`);
  return r.right;
};
const problems = (extra: Record<string, unknown>): ReadonlyArray<string> => {
  const r = decode(extra);
  if (E.isRight(r)) throw new Error(`expected problems, got ${JSON.stringify(r.right)}`);
  return r.left;
};

describe('decodeConfig: metrics', () => {
  it('is off without a metrics key, and with one whose lines are all commented out (null)', () => {
    expect(right({}).metrics).toBeUndefined();
    expect(right({ metrics: null }).metrics).toBeUndefined();
  });

  it('listens on loopback unless a host is given', () => {
    expect(right({ metrics: { port: 9464 } }).metrics).toEqual({ port: 9464, host: '127.0.0.1' });
    expect(right({ metrics: { port: '9464' } }).metrics).toEqual({ port: 9464, host: '127.0.0.1' });
  });

  it('takes any other address when it is given explicitly', () => {
    expect(right({ metrics: { port: 9464, host: '0.0.0.0' } }).metrics).toEqual({ port: 9464, host: '0.0.0.0' });
    expect(right({ metrics: { port: 9464, host: '::1' } }).metrics).toEqual({ port: 9464, host: '::1' });
  });

  it.each([
    [{ port: 0 }, 'metrics.port: expected an integer 1-65535, got 0'],
    [{ port: 70000 }, 'metrics.port: expected an integer 1-65535, got 70000'],
    [{ port: 'http' }, 'metrics.port: expected integer, got "http"'],
    [{ host: '0.0.0.0' }, 'metrics.port: missing, expected an integer 1-65535'],
    [{}, 'metrics.port: missing, expected an integer 1-65535'],
    [{ port: 9464, prot: 1 }, 'metrics.prot: unknown key (did you mean port?)'],
    [{ port: 9464, host: 5 }, 'metrics.host: expected string, got 5'],
    [{ port: 9464, host: ' ' }, 'metrics.host: must not be empty: give the address to listen on, 127.0.0.1 for this machine only (an empty host listens on every interface)'],
  ])('reports %p by its path', (metrics, expected) => {
    expect(problems({ metrics })).toEqual([expected]);
  });

  it('reports a metrics key that is not a mapping', () => {
    expect(problems({ metrics: 9464 })).toEqual(['metrics: expected a mapping like {port: 9464}, got 9464']);
  });

  it("refuses the embedded broker's port on an address both would take, and lists it with the other problems", () => {
    const clash = "metrics.port: 1883 is the embedded broker's port (mqtt.port): give the metrics endpoint a port of its own, 9464 say";
    expect(problems({ metrics: { port: 1883 } })).toEqual([clash]);
    expect(problems({ mqtt: { port: 9000 }, metrics: { port: 9000, host: '0.0.0.0' } })).toEqual([clash.replace(/1883/, '9000')]);
    expect(problems({ InputPollPeriod: 0, metrics: { port: 1883 } })).toEqual([expect.stringMatching(/^InputPollPeriod: /), clash]);
  });

  it('lets the metrics endpoint share a port number with a broker elsewhere', () => {
    expect(right({ mqtt: { url: 'mqtt://broker.example:1883' }, metrics: { port: 1883 } }).metrics).toEqual({ port: 1883, host: '127.0.0.1' });
    expect(right({ mqtt: { host: '127.0.0.1', port: 1883 }, metrics: { port: 1883, host: '127.0.0.2' } }).metrics?.port).toBe(1883);
  });
});
