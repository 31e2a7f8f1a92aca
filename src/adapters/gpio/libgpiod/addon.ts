import * as E from 'fp-ts/Either';
import type { Either } from '../../../core/either';

/**
 * The part of node-libgpiod (libgpiod 1.x) the driver uses, typed here: the
 * package is an optional dependency, loaded lazily so the service installs and
 * runs on the simulated chip where it did not build.
 */
export interface AddonChip {
  readonly name: string;
  readonly label: string;
  readonly numberOfLines: number;
}

export interface AddonLine {
  readonly consumer: string | undefined;
  getValue(): number;
  setValue(value: number): void;
  lineRequest(config: { consumer: string; requestType: number; flags: number }, defaultValue?: number): void;
  requestInputModeFlags(consumer: string, flags: number): void;
  requestOutputModeFlags(consumer: string, flags: number, defaultValue: number): void;
  release(): void;
}

export interface AddonBulk {
  readonly values: number[];
  requestInputFlags(consumer: string, flags: number): void;
  release(): void;
}

export interface Addon {
  readonly version: string;
  getChipNames(): string[];
  readonly Chip: new (identifier: string) => AddonChip;
  readonly Line: new (chip: AddonChip, offset: number) => AddonLine;
  readonly Bulk: new (chip: AddonChip, offsets: number[]) => AddonBulk;
}

/** libgpiod 1.x request flags and types: part of its stable ABI. */
export const Flag = { ACTIVE_LOW: 1 << 2, BIAS_DISABLE: 1 << 3, BIAS_PULL_DOWN: 1 << 4, BIAS_PULL_UP: 1 << 5 } as const;
export const RequestType = { AS_IS: 1, INPUT: 2, OUTPUT: 3 } as const;

/** What gpioinfo shows as the holder of every line we request. */
export const CONSUMER = 'rpi-gpio-connector';

/** An errno-carrying error from the addon: `code` is `EBUSY`, `EACCES`, ... */
export interface AddonError {
  readonly code?: string;
  readonly message: string;
}

export const addonError = (e: unknown): AddonError => {
  if (typeof e !== 'object' || e === null) return { message: String(e) };
  const { code, message } = e as { code?: unknown; message?: unknown };
  return { ...(typeof code === 'string' ? { code } : {}), message: String(message ?? e) };
};

/** Loads node-libgpiod, or says why not and how to fix it. */
export const loadAddon = (): Either<string, Addon> =>
  E.tryCatch(
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    () => require('node-libgpiod') as Addon,
    (e) =>
      `node-libgpiod is not available (${addonError(e).message.split('\n')[0]}): install libgpiod-dev (apt-get install libgpiod-dev) and run npm install again`,
  );
