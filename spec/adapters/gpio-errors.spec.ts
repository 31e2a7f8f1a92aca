import { failed, notAnOutput, notRequested, reason, released, thrown } from '../../src/adapters/gpio/errors';
import { requestRefused, type Refusal } from '../../src/adapters/gpio/messages';

// The drivers' one vocabulary: what our addon, node-libgpiod and the system
// throw reads the same, errno name first, whichever threw it.

/** As our addon throws (native/napi.c): the message leads with the code. */
const ours = Object.assign(new Error('EBUSY: Device or resource busy, /dev/gpiochip0'), { code: 'EBUSY', errno: -16, syscall: 'ioctl GPIO_V2_GET_LINE' });
/** As node-libgpiod throws (Nan::ErrnoException): `CODE, message`. */
const theirs = Object.assign(new Error('EBUSY, failed to request bulk input mode'), { code: 'EBUSY' });
/** A code whose message does not name it. */
const bare = Object.assign(new Error('Device or resource busy'), { code: 'EBUSY' });

describe('what was thrown', () => {
  it('keeps the code where there is a string one, and the message', () => {
    expect(thrown(ours)).toEqual({ code: 'EBUSY', message: 'EBUSY: Device or resource busy, /dev/gpiochip0' });
    expect(thrown(Object.assign(new Error('x'), { code: 5 }))).toEqual({ message: 'x' });
    expect(thrown('text')).toEqual({ message: 'text' });
    expect(thrown(null)).toEqual({ message: 'null' });
  });

  it('reads errno name first, once, whichever library threw', () => {
    expect(reason(ours)).toBe('EBUSY: Device or resource busy, /dev/gpiochip0');
    expect(reason(theirs)).toBe('EBUSY, failed to request bulk input mode');
    expect(reason(bare)).toBe('EBUSY: Device or resource busy');
    expect(reason(new TypeError('gpio_native: expected a number'))).toBe('gpio_native: expected a number');
  });

  it('makes driver errors of it, with the pin where there is one', () => {
    expect(failed(5, bare)).toEqual({ pin: 5, message: 'EBUSY: Device or resource busy' });
    expect(failed(undefined, bare)).toEqual({ message: 'EBUSY: Device or resource busy' });
    expect(notRequested(4)).toEqual({ pin: 4, message: 'GPIO 4 is not requested' });
    expect(notAnOutput(5)).toEqual({ pin: 5, message: 'GPIO 5 is not an output' });
    expect(released()).toEqual({ message: 'the GPIO chip is released' });
    expect(released(8)).toEqual({ pin: 8, message: 'the GPIO chip is released' });
  });
});

describe('a refused request, in the user\'s terms', () => {
  const refusal = (over: Partial<Refusal> = {}): Refusal => ({
    chip: 'gpiochip0',
    path: '/dev/gpiochip0',
    pins: [17, 27],
    holder: () => ({ pin: 27, consumer: 'pigpiod' }),
    bias: false,
    ...over,
  });
  const coded = (code: string) => Object.assign(new Error(`${code}: what the kernel said`), { code });

  it('busy: names the line held and who holds it, asking line info only then', () => {
    const holder = jest.fn(() => ({ pin: 27, consumer: 'pigpiod' }));
    expect(requestRefused(coded('EBUSY'), refusal({ holder }))).toMatch(/^GPIO 27 on gpiochip0 is busy: it is held by "pigpiod" \(gpioinfo gpiochip0/);
    expect(holder).toHaveBeenCalledTimes(1);
    expect(requestRefused(coded('EBUSY'), refusal({ holder: () => undefined }))).toMatch(/^GPIO 17 on gpiochip0 is busy: it is held by another program/);
    expect(requestRefused(coded('EBUSY'), refusal({ holder: () => ({ pin: 27, consumer: '' }) }))).toMatch(/held by another program/);
    const never = jest.fn(() => undefined);
    requestRefused(coded('EACCES'), refusal({ holder: never }));
    expect(never).not.toHaveBeenCalled();
  });

  it('no permission: the device file and the gpio group', () => {
    for (const code of ['EACCES', 'EPERM']) expect(requestRefused(coded(code), refusal())).toMatch(/^permission denied opening \/dev\/gpiochip0: .*gpio group/);
  });

  it('EINVAL is the bias only where the request asked for one', () => {
    expect(requestRefused(coded('EINVAL'), refusal({ bias: true }))).toMatch(/^GPIO 17 on gpiochip0: the kernel refused the pull-up\/pull-down bias/);
    expect(requestRefused(coded('EINVAL'), refusal())).toBe('GPIO 17 on gpiochip0: cannot request the line: EINVAL: what the kernel said');
  });

  it('a line of an expander: names the pin (the topics\' number) and its line on the chip', () => {
    const pinOf = (line: number) => (line === 8 ? '108 (line 8)' : String(line));
    const expander = refusal({ chip: 'gpiochip2', pins: [8], pinOf, holder: () => ({ pin: 8, consumer: 'gpiomon' }) });
    expect(requestRefused(coded('EBUSY'), expander)).toMatch(/^GPIO 108 \(line 8\) on gpiochip2 is busy: it is held by "gpiomon"/);
    expect(requestRefused(coded('ENODEV'), { ...expander, holder: () => undefined })).toMatch(/^GPIO 108 \(line 8\) on gpiochip2: cannot request the line/);
  });

  it('anything else: the errno, named first, from either library', () => {
    expect(requestRefused(bare, refusal({ holder: () => undefined, pins: [] }))).toMatch(/^GPIO 0 on gpiochip0 is busy/);
    expect(requestRefused(Object.assign(new Error('No such device'), { code: 'ENODEV' }), refusal())).toBe('GPIO 17 on gpiochip0: cannot request the line: ENODEV: No such device');
    expect(requestRefused(theirs, refusal({ holder: () => undefined }))).toMatch(/^GPIO 17 on gpiochip0 is busy/);
    expect(requestRefused(new Error('odd'), refusal())).toBe('GPIO 17 on gpiochip0: cannot request the line: odd');
  });
});
