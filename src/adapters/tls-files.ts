import * as E from 'fp-ts/Either';
import type { Problems } from '../core/config';
import { readSmallFile } from './file-read';

/** A certificate chain is a few KB; a CA bundle a few hundred. */
const MAX_PEM_BYTES = 1024 * 1024;

const TLS_KEYS = ['ca', 'cert', 'key'] as const;

/** The contents of the TLS files the config names, read once, for the MQTT client. */
export type TlsFiles = Partial<Record<(typeof TLS_KEYS)[number], Buffer>>;

/**
 * The TLS files the config names (`mqtt.ca`, `mqtt.cert`, `mqtt.key`) are
 * read with the rest of the config, once: a missing or unreadable one is a
 * config problem naming its key and path, reported before any pin is touched,
 * not a failure at connect time, and what was read is what the client uses.
 * A value that is not a string is the decoder's to report.
 */
export const readTlsFiles = (raw: unknown): { readonly problems: Problems; readonly files: TlsFiles } => {
  const mqtt = record(raw)?.['mqtt'];
  const section = record(mqtt);
  if (section === undefined) return { problems: [], files: {} };
  const problems: string[] = [];
  const files: TlsFiles = {};
  for (const key of TLS_KEYS) {
    const path = Object.hasOwn(section, key) ? section[key] : undefined;
    if (typeof path !== 'string') continue;
    const read = readSmallFile(path, MAX_PEM_BYTES);
    if (E.isLeft(read)) problems.push(`mqtt.${key}: ${JSON.stringify(path)}: ${read.left}`);
    else if (!read.right.includes('-----BEGIN ')) problems.push(`mqtt.${key}: ${JSON.stringify(path)}: not a PEM file (no "-----BEGIN" line)`);
    else files[key] = read.right;
  }
  return { problems, files };
};

const record = (u: unknown): Readonly<Record<string, unknown>> | undefined =>
  typeof u === 'object' && u !== null && !Array.isArray(u) ? (u as Record<string, unknown>) : undefined;
