import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** This package's version, from its package.json (one level above dist/ and src/). */
export const packageVersion = (): string => {
  try {
    const parsed: unknown = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8'));
    const version = typeof parsed === 'object' && parsed !== null ? (parsed as { version?: unknown }).version : undefined;
    return typeof version === 'string' ? version : 'unknown';
  } catch {
    return 'unknown';
  }
};
