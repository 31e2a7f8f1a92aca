/** A V8 heap snapshot summed up: bytes by node type and by the largest (type, name) groups. */
import { readFileSync } from 'node:fs';

interface Snapshot {
  readonly snapshot: { readonly meta: { readonly node_fields: string[]; readonly node_types: [string[], ...unknown[]] } };
  readonly nodes: number[];
  readonly strings: string[];
}

export interface HeapSummary {
  readonly totalBytes: number;
  readonly byType: ReadonlyArray<{ readonly type: string; readonly bytes: number }>;
  readonly top: ReadonlyArray<{ readonly what: string; readonly count: number; readonly bytes: number }>;
}

export const summarizeHeapSnapshot = (file: string, topN = 8): HeapSummary => {
  const s = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = s.snapshot.meta.node_fields;
  const types = s.snapshot.meta.node_types[0];
  const [iType, iName, iSize] = [fields.indexOf('type'), fields.indexOf('name'), fields.indexOf('self_size')];
  const byType = new Map<string, number>();
  const byName = new Map<string, { count: number; bytes: number }>();
  let total = 0;
  for (let i = 0; i < s.nodes.length; i += fields.length) {
    const type = types[s.nodes[i + iType] as number] as string;
    const size = s.nodes[i + iSize] as number;
    total += size;
    byType.set(type, (byType.get(type) ?? 0) + size);
    // Strings are grouped by type alone: their "name" is their text.
    const what = type.includes('string') ? type : `${type}: ${(s.strings[s.nodes[i + iName] as number] ?? '').slice(0, 50)}`;
    const g = byName.get(what) ?? { count: 0, bytes: 0 };
    g.count += 1;
    g.bytes += size;
    byName.set(what, g);
  }
  return {
    totalBytes: total,
    byType: [...byType].map(([type, bytes]) => ({ type, bytes })).sort((a, b) => b.bytes - a.bytes),
    top: [...byName].map(([what, g]) => ({ what, ...g })).sort((a, b) => b.bytes - a.bytes).slice(0, topN),
  };
};
