/**
 * A strict reader of the Prometheus text exposition format, version 0.0.4
 * (prometheus.io/docs/instrumenting/exposition_formats), for tests: every
 * line must be a HELP, a TYPE, a comment, an empty line or a valid sample,
 * and a metric's lines must form one group with its HELP and TYPE before its
 * first sample. Anything else throws, naming the line.
 */

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  readonly timestampMs?: number;
}

export interface Family {
  readonly name: string;
  help?: string;
  type?: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  readonly samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
/** Go's strconv.ParseFloat syntax as the format allows it, with NaN and the infinities. */
const FLOAT = /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|0[xX][0-9a-fA-F]+|Inf|NaN)$/;
const INT64 = /^-?\d{1,19}$/;

/** The family a sample name belongs to: a histogram's or summary's suffixes name their family. */
const familyOf = (sample: string, families: ReadonlyMap<string, Family>): string => {
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!sample.endsWith(suffix)) continue;
    const base = sample.slice(0, -suffix.length);
    const f = families.get(base);
    if (f !== undefined && (f.type === 'histogram' || (f.type === 'summary' && suffix !== '_bucket'))) return base;
  }
  return sample;
};

/** A label value or docstring with its escapes undone; `quoted` also allows `\"`. */
const unescape = (s: string, quoted: boolean, fail: (m: string) => never): string =>
  s.replace(/\\(.)/g, (_, c: string) => {
    if (c === '\\') return '\\';
    if (c === 'n') return '\n';
    if (c === '"' && quoted) return '"';
    return fail(`bad escape \\${c}`);
  });

const parseValue = (text: string, fail: (m: string) => never): number => {
  if (!FLOAT.test(text)) fail(`not a number: ${JSON.stringify(text)}`);
  if (/Inf$/.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  if (/NaN$/.test(text)) return NaN;
  return Number(text);
};

/** Labels from `{a="x",b="y"}` (a trailing comma allowed), and the rest of the line after `}`. */
const parseLabels = (text: string, fail: (m: string) => never): { labels: Record<string, string>; rest: string } => {
  const labels: Record<string, string> = {};
  let i = 1;
  for (;;) {
    if (text[i] === '}') return { labels, rest: text.slice(i + 1) };
    const eq = text.indexOf('=', i);
    if (eq < 0) fail('label without =');
    const name = text.slice(i, eq);
    if (!LABEL_NAME.test(name)) fail(`bad label name ${JSON.stringify(name)}`);
    if (name.startsWith('__')) fail(`reserved label name ${name}`);
    if (Object.hasOwn(labels, name)) fail(`label ${name} twice`);
    if (text[eq + 1] !== '"') fail(`label ${name}: value not quoted`);
    let j = eq + 2;
    while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
    if (j >= text.length) fail(`label ${name}: unterminated value`);
    labels[name] = unescape(text.slice(eq + 2, j), true, fail);
    i = j + 1;
    if (text[i] === ',') i += 1;
    else if (text[i] !== '}') fail(`expected , or } after label ${name}`);
  }
};

/** Every metric family of an exposition, in order; throws at the first line that breaks the format. */
export const parsePrometheusText = (text: string): Map<string, Family> => {
  if (text !== '' && !text.endsWith('\n')) throw new Error('the exposition must end with a line feed');
  const families = new Map<string, Family>();
  const closed = new Set<string>();
  let current: string | undefined;
  const enter = (name: string, n: number): Family => {
    if (name !== current) {
      if (closed.has(name)) throw new Error(`line ${n}: ${name} appears again after other metrics: a family's lines must be one group`);
      if (current !== undefined) closed.add(current);
      current = name;
    }
    let f = families.get(name);
    if (f === undefined) families.set(name, (f = { name, samples: [] }));
    return f;
  };
  const lines = text.split('\n');
  lines.pop();
  lines.forEach((line, index) => {
    const n = index + 1;
    const fail = (m: string): never => {
      throw new Error(`line ${n}: ${m}: ${JSON.stringify(line)}`);
    };
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      const m = /^#[ \t]+(HELP|TYPE)[ \t]+(\S+)(?:[ \t]+(.*))?$/.exec(line);
      if (m === null) return; // a comment
      const [, keyword, name, rest = ''] = m as unknown as [string, 'HELP' | 'TYPE', string, string | undefined];
      if (!METRIC_NAME.test(name)) fail(`bad metric name ${JSON.stringify(name)}`);
      const f = enter(name, n);
      if (keyword === 'HELP') {
        if (f.help !== undefined) fail(`second HELP for ${name}`);
        f.help = unescape(rest, false, fail);
      } else {
        if (f.type !== undefined) fail(`second TYPE for ${name}`);
        if (f.samples.length > 0) fail(`TYPE for ${name} after its samples`);
        if (!TYPES.has(rest)) fail(`unknown type ${JSON.stringify(rest)}`);
        f.type = rest as Family['type'];
      }
      return;
    }
    const nameEnd = line.search(/[{ \t]/);
    if (nameEnd <= 0) fail('a sample needs a name and a value');
    const name = line.slice(0, nameEnd);
    if (!METRIC_NAME.test(name)) fail(`bad metric name ${JSON.stringify(name)}`);
    let labels: Record<string, string> = {};
    let rest = line.slice(nameEnd);
    if (rest.startsWith('{')) ({ labels, rest } = parseLabels(rest, fail));
    const fields = rest.trim().split(/[ \t]+/);
    if (!/^[ \t]/.test(rest) || fields.length < 1 || fields.length > 2 || fields[0] === '') fail('expected a value and an optional timestamp');
    const value = parseValue(fields[0] as string, fail);
    if (fields[1] !== undefined && !INT64.test(fields[1])) fail(`bad timestamp ${JSON.stringify(fields[1])}`);
    const f = enter(familyOf(name, families), n);
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (f.samples.some((s) => `${s.name}${JSON.stringify(Object.entries(s.labels).sort())}` === key)) fail('the same series twice');
    f.samples.push({ name, labels, value, ...(fields[1] === undefined ? {} : { timestampMs: Number(fields[1]) }) });
  });
  return families;
};

/** The one sample of `family` whose labels include `labels`; throws if there is none or more than one. */
export const sampleOf = (families: ReadonlyMap<string, Family>, family: string, labels: Record<string, string> = {}): number => {
  const f = families.get(family);
  if (f === undefined) throw new Error(`no metric ${family}; there are ${[...families.keys()].join(', ')}`);
  const found = f.samples.filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found.length !== 1) throw new Error(`${found.length} samples of ${family} with ${JSON.stringify(labels)}`);
  return (found[0] as Sample).value;
};
