import * as E from 'fp-ts/Either';
import type { Either } from '../../../core/either';
import { thrown } from '../errors';

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

/** Loads node-libgpiod, or says why not and how to fix it. */
export const loadAddon = (): Either<string, Addon> =>
  E.tryCatch(
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- an optional native addon, loaded only when a driver opens
    () => require('node-libgpiod') as Addon,
    (e) =>
      `node-libgpiod is not available (${thrown(e).message.split('\n')[0]}): install libgpiod-dev (apt-get install libgpiod-dev) and run npm install again`,
  );
