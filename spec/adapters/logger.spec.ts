import * as E from 'fp-ts/Either';
import fc from 'fast-check';
import { of } from 'rxjs';
import { createLogger, parseSeverity, RESERVED_KEYS, SEVERITIES, type Logger, type Severity } from '../../src/adapters/log/logger';
import { logRequests, outputLines } from '../../src/adapters/log/pipeline-debug';
import { commandName, parseArgs, startFrom } from '../../src/cli';

const capture = (level: Severity = 'debug') => {
  const lines: string[] = [];
  return { log: createLogger({ level, component: 'test', write: (l) => lines.push(l) }), lines };
};

describe('the logger', () => {
  it.each(RESERVED_KEYS.map((k) => [k]))("keeps its own %s when a field has that name, and keeps the field as field_<key>", (key) => {
    const { log, lines } = capture();
    const fields: Record<string, unknown> = { [key]: 1, other: 'x' };
    log.info('hello', fields); // a wider type gets past the compile-time check: the logger holds
    const line = JSON.parse(lines[0] as string) as Record<string, unknown>;
    expect(Object.keys(line).slice(0, 4)).toEqual(['time', 'level', 'component', 'msg']);
    expect({ level: line['level'], component: line['component'], msg: line['msg'] }).toEqual({ level: 'info', component: 'test', msg: 'hello' });
    expect(Date.parse(line['time'] as string)).not.toBeNaN();
    expect(line[`field_${key}`]).toBe(1);
    expect(line['other']).toBe('x');
  });

  it('never loses a field nor lets one take a logger key, whatever the fields (property)', () => {
    const key = fc.oneof(fc.constantFrom(...RESERVED_KEYS, 'field_level', 'field_msg', 'field_field_level', 'pin', '__proto__'), fc.string({ maxLength: 8 }));
    fc.assert(
      fc.property(fc.dictionary(key, fc.integer()), fc.constantFrom(...SEVERITIES), (fields, level) => {
        const { log, lines } = capture();
        log[level]('m', fields);
        const line = JSON.parse(lines[0] as string) as Record<string, unknown>;
        expect({ level: line['level'], component: line['component'], msg: line['msg'] }).toEqual({ level, component: 'test', msg: 'm' });
        // Every field's value is on the line exactly once beside the four.
        expect(Object.keys(line).length).toBe(4 + Object.keys(fields).length);
        for (const [k, v] of Object.entries(fields)) if (!(RESERVED_KEYS as ReadonlyArray<string>).includes(k)) expect(line[k]).toBe(v);
      }),
    );
  });

  it('refuses a reserved key at compile time (tsc checks each of these lines)', () => {
    const { log, lines } = capture();
    // @ts-expect-error the logger's own key
    log.debug('m', { level: 1 });
    // @ts-expect-error the logger's own key
    log.info('m', { msg: 'x' });
    // @ts-expect-error the logger's own key
    log.warn('m', { time: 0 });
    // @ts-expect-error the logger's own key
    log.error('m', { component: 'x' });
    log.info('m', { pinLevel: 1 });
    expect(lines).toHaveLength(5);
  });

  it('says which levels it writes, for a caller to ask once', () => {
    expect(SEVERITIES.map((s) => capture('info').log.enabled(s))).toEqual([false, true, true, true]);
    expect(SEVERITIES.map((s) => capture('debug').log.enabled(s))).toEqual([true, true, true, true]);
    expect(capture('warn').log.child('x').enabled('info')).toBe(false);
  });
});

describe('LOG_LEVEL', () => {
  it('is info when unset or empty, any case of a level otherwise', () => {
    expect([undefined, '', ' '].map(parseSeverity)).toEqual([E.right('info'), E.right('info'), E.right('info')]);
    expect(['debug', 'DEBUG', 'Warn', 'error'].map(parseSeverity)).toEqual([E.right('debug'), E.right('debug'), E.right('warn'), E.right('error')]);
  });

  it('anything else is refused with the allowed values', () => {
    expect(parseSeverity('trace')).toEqual(E.left('LOG_LEVEL="trace" is not a log level: use one of debug, info, warn, error (default info)'));
    expect(startFrom([], { LOG_LEVEL: 'warning' }, { command: 'x', version: '1' })).toEqual({
      _tag: 'Refuse',
      text: 'LOG_LEVEL="warning" is not a log level: use one of debug, info, warn, error (default info)\n',
    });
  });
});

describe('debug lines on the hot paths', () => {
  const spy = (level: Severity): Logger & { asked: Severity[] } => {
    const asked: Severity[] = [];
    const log = capture(level).log;
    return { ...log, asked, enabled: (s) => (asked.push(s), log.enabled(s)) };
  };

  it('above debug, the request stream is handed back untouched and the sink gets no line function', () => {
    const log = spy('info');
    const request$ = of({ topic: 'gpio/t/5/read', payload: '', retained: false });
    expect(logRequests(log)(request$)).toBe(request$);
    expect(outputLines(log, 't', [5])).toBeUndefined();
    // The level is asked once per set-up, never per message.
    expect(log.asked).toEqual(['debug', 'debug']);
  });

  it('a long request payload is logged shortened', () => {
    const { log, lines } = capture('debug');
    logRequests(log)(of({ topic: 'gpio/t/5/write', payload: 'x'.repeat(1000), retained: false })).subscribe();
    const line = JSON.parse(lines[0] as string) as Record<string, unknown>;
    expect(line['payload']).toBe(`${'x'.repeat(200)}... (1000 characters)`);
  });
});

describe('the command line', () => {
  it('refuses --config twice and a --config without a file', () => {
    expect(parseArgs(['--config', 'a', '--config', 'a'])).toEqual(E.left('--config given twice (a and a): give it once'));
    expect(parseArgs(['--config'])).toEqual(E.left('--config needs a file name'));
    expect(parseArgs(['--config='])).toEqual(E.left('--config= needs a file name'));
    expect(parseArgs(['-c', 'x.yaml', '-v'])).toEqual(E.right({ config: 'x.yaml', help: false, version: true }));
  });

  it('names the command as it was run', () => {
    expect(commandName('/home/pi/app/node_modules/.bin/rpi-gpio-connector', { npm_lifecycle_event: 'npx' }, '/home/pi/app')).toBe('rpi-gpio-connector');
    expect(commandName('/usr/local/bin/rpi-gpio-connector', {}, '/root')).toBe('rpi-gpio-connector');
    expect(commandName('/home/pi/rpi-gpio-connector/dist/main.js', {}, '/home/pi/rpi-gpio-connector')).toBe('node dist/main.js');
    expect(commandName('/opt/rpi-gpio-connector/dist/main.js', {}, '/root')).toBe('node /opt/rpi-gpio-connector/dist/main.js');
    expect(
      commandName('/home/pi/rpi-gpio-connector/dist/main.js', { npm_lifecycle_event: 'start', npm_package_name: 'rpi-gpio-connector' }, '/home/pi/rpi-gpio-connector'),
    ).toBe('npm start --');
    // Another package's npm start that runs this one: its own name, not ours.
    expect(commandName('/srv/site/node_modules/.bin/rpi-gpio-connector', { npm_lifecycle_event: 'start', npm_package_name: 'site' }, '/srv/site')).toBe('rpi-gpio-connector');
  });
});
