import { isCollection, isMap, isScalar, isSeq, visit, type Document, type Node, type YAMLError } from 'yaml';

/**
 * YAML mistakes as a person would describe them: one per mistake, at the
 * line where it starts, with a hint where one is cheap. The parser reports
 * where it gave up (an unclosed quote on line 3 is found at the end of the
 * file) in its own terms (`thingName:my-pi` is "Implicit keys need to be on a
 * single line"); these say what to change. A line is `<line>` and a message;
 * the caller adds the file name.
 */
export interface Mistake {
  readonly line: number;
  readonly message: string;
}

/** Longer snippets of the user's text are cut, as `show` cuts values. */
const MAX_SNIPPET = 60;

const snippet = (s: string): string => (s.length > MAX_SNIPPET ? `${s.slice(0, MAX_SNIPPET)}...` : s);

/**
 * `thingName:my-pi`: a key, a colon and at once a value, at the start of a
 * line (or after `- `). `mqtt://` is a URL's scheme, not a key.
 */
const NO_SPACE_AFTER_COLON = /^\s*(?:-\s+)?([A-Za-z_][\w-]*):([^\s:/].*)$/;

/** `-pin: 6`: a list item without the space YAML needs after the dash. */
const NO_SPACE_AFTER_DASH = /^\s*-([^\s-].*)$/;

const missingSpace = (lineText: string): string | undefined => {
  const m = NO_SPACE_AFTER_COLON.exec(lineText);
  if (m === null) return undefined;
  const [, key, value] = m as unknown as [string, string, string];
  return `no space after "${snippet(key)}:": write ${snippet(`${key}: ${value}`)}`;
};

/**
 * Lines and columns of a text, 1-based, counted here: the parser's
 * LineCounter misses line breaks it never tokenised (`{}---\n;` is one line to it).
 */
export interface Lines {
  readonly count: number;
  at(offset: number): { readonly line: number; readonly col: number };
  text(line: number): string;
}

export const linesOf = (source: string): Lines => {
  const starts = [0];
  for (let i = source.indexOf('\n'); i !== -1; i = source.indexOf('\n', i + 1)) starts.push(i + 1);
  return {
    count: starts.length,
    at: (offset) => {
      let lo = 0;
      let hi = starts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if ((starts[mid] as number) <= offset) lo = mid;
        else hi = mid - 1;
      }
      return { line: lo + 1, col: offset - (starts[lo] as number) + 1 };
    },
    text: (line) => source.slice(starts[line - 1] ?? source.length, starts[line] ?? source.length).replace(/\r?\n$/, ''),
  };
};

/**
 * The innermost node of `kind` that contains `pos`: the quoted scalar or
 * the flow collection that an "unclosed" error at `pos` belongs to. An unclosed
 * one runs to where the parser gave up, so it contains that position.
 */
const openedAt = (doc: Document, pos: number, kind: (n: Node) => boolean): Node | undefined => {
  let found: Node | undefined;
  visit(doc, (_key, n) => {
    if (!isScalar(n) && !isCollection(n)) return undefined;
    const range = n.range;
    if (range && kind(n) && range[0] <= pos && pos <= range[2] && (found?.range === undefined || found.range === null || range[0] >= found.range[0])) found = n;
    return undefined;
  });
  return found;
};

const isQuoted = (n: Node): boolean => isScalar(n) && (n.type === 'QUOTE_DOUBLE' || n.type === 'QUOTE_SINGLE');
const isFlow = (n: Node): boolean => (isMap(n) || isSeq(n)) && n.flow === true;

/** The first line after `line` that is indented deeper than it, skipping blank lines and comments. */
const deeperLine = (line: number, lines: Lines): number | undefined => {
  const indent = (t: string): number => t.length - t.trimStart().length;
  const base = indent(lines.text(line));
  for (let next = line + 1; next <= lines.count; next++) {
    const t = lines.text(next);
    if (/^\s*(#|$)/.test(t)) continue;
    return indent(t) > base ? next : undefined;
  }
  return undefined;
};

/** The last line before `line` that is neither blank nor a comment. */
const previousContentLine = (line: number, lines: Lines): number | undefined => {
  for (let before = line - 1; before >= 1; before--) if (!/^\s*(#|$)/.test(lines.text(before))) return before;
  return undefined;
};

/** One parser error, as a mistake at the line where it starts. */
const describe = (err: YAMLError, doc: Document, lines: Lines): Mistake => {
  const start = err.pos[0];
  const { line: at, col } = lines.at(start);

  // A key and its value without a space between: the parser sees one long key.
  const last = lines.at(Math.max(start, err.pos[1] - 1)).line;
  for (let line = at; line <= last; line++) {
    const hint = missingSpace(lines.text(line));
    if (hint !== undefined) return { line, message: hint };
  }

  const quote = /^Missing closing (["'])quote/.exec(err.message);
  const unclosedFlow = /end with an? ([\]}])/.exec(err.message);
  if (quote !== null || unclosedFlow !== null) {
    const node = openedAt(doc, start, quote !== null ? isQuoted : isFlow);
    if (node?.range) {
      const opened = lines.at(node.range[0]);
      const { line } = opened;
      if (quote !== null) return { line, message: `the ${quote[1]} at column ${opened.col} is never closed: add the closing ${quote[1]} at the end of the value` };
      const close = unclosedFlow?.[1] as string;
      return { line, message: `the ${close === ']' ? '[' : '{'} at column ${opened.col} is never closed: add the closing ${close} after the last item` };
    }
  }

  const text = lines.text(at);
  switch (err.code) {
    case 'TAB_AS_INDENT':
      return { line: at, message: 'a tab in the indentation: YAML indents with spaces only' };
    case 'BAD_INDENT':
      if (/same column/.test(err.message)) {
        // `url:embedded` then `port: 1883`: YAML took the first line for a value, and the second seems out of line.
        const before = previousContentLine(at, lines);
        const cause = before === undefined ? undefined : missingSpace(lines.text(before));
        if (before !== undefined && cause !== undefined) return { line: before, message: cause };
        return { line: at, message: 'indented differently from the keys before it: give every key of one mapping the same indentation' };
      }
      break;
    case 'BLOCK_AS_IMPLICIT_KEY': {
      // `url: embedded` then a line indented deeper: YAML reads that line as part of url's value.
      const deeper = deeperLine(at, lines);
      if (deeper !== undefined) return { line: deeper, message: `indented deeper than the key above it, which already has its value: line it up with that key` };
      break;
    }
    case 'BAD_DQ_ESCAPE':
      return { line: at, message: `${err.message.replace(/\s*\n\s*/g, ' ')} in a "double-quoted" value: write \\\\ for a backslash, or quote the value with ' instead` };
    case 'MULTIPLE_DOCS':
      // The library's own wording here points at its API; the user needs to know what to change.
      return { line: at, message: 'a config is one YAML document: remove the second ---' };
    default:
      break;
  }
  if (/^\s*-\s/.test(text) && (err.code === 'MULTILINE_IMPLICIT_KEY' || err.code === 'UNEXPECTED_TOKEN')) {
    return { line: at, message: 'a list item among the keys of a mapping: indent it under the key it belongs to' };
  }
  const closer = /flow-(?:seq|map)-end token.*"([\]}])"/.exec(err.message);
  if (err.code === 'UNEXPECTED_TOKEN' && closer !== null) {
    return { line: at, message: `the ${closer[1]} at column ${col} closes nothing: remove it` };
  }
  if (err.code === 'UNEXPECTED_TOKEN' && /at node end/.test(err.message)) {
    return { line: at, message: `"${snippet(text.slice(col - 1).trim())}" after the end of the value: remove it, or quote the whole value` };
  }
  const dash = NO_SPACE_AFTER_DASH.exec(text);
  if (dash !== null) return { line: at, message: `no space after the dash in "${snippet(`-${dash[1] ?? ''}`)}": write "${snippet(`- ${dash[1] ?? ''}`)}"` };
  if (err.code === 'MULTILINE_IMPLICIT_KEY' && !text.includes(':') && !/^\s*(-|#|$)/.test(text)) {
    return { line: at, message: `no colon after the key in "${snippet(text.trim())}": write the key, ": " and its value` };
  }
  // Anything else: the parser's words, on the line where the error starts.
  return { line: at, message: `${PARSER_WORDS}${err.message.replace(/\s*\n\s*/g, ' ')}` };
};

/** What a mistake without a description of ours starts with. */
const PARSER_WORDS = 'YAML syntax error: ';

/** The parser's words for a token after the end of the document. */
const AFTER_THE_END = /^YAML syntax error: Unexpected .* in YAML stream/;

/**
 * Plain scalars that begin a line and read `key:value`: YAML takes
 * `mqtt:\n  url:embedded` as the string "url:embedded", and a file of such
 * lines as one string, with no error. A plain scalar never starts a line in
 * a config written as meant, except as a key (followed by ": ") or a list
 * item (`- 5`), so this costs no false alarm there.
 */
const keysWithoutSpace = (doc: Document, lines: Lines): ReadonlyArray<Mistake> => {
  const found: Mistake[] = [];
  visit(doc, {
    Scalar(_key, n) {
      if (n.type !== 'PLAIN' || !n.range) return;
      const first = lines.at(n.range[0]);
      const lastLine = lines.at(Math.max(n.range[0], n.range[1] - 1)).line;
      for (let line = first.line; line <= lastLine; line++) {
        // On its first line, the scalar must be the first thing there (after a list dash).
        if (line === first.line && !/^\s*(-\s+)?$/.test(lines.text(line).slice(0, first.col - 1))) continue;
        const hint = missingSpace(lines.text(line));
        if (hint !== undefined) found.push({ line, message: hint });
      }
    },
  });
  return found;
};

/**
 * Every mistake of a parsed document, one per line, in line order: the
 * parser's errors described, and the `key:value` lines it took for strings.
 * Where two say something about the same line, the first is kept: one
 * mistake often makes the parser complain twice.
 */
export const yamlMistakes = (doc: Document, lines: Lines): ReadonlyArray<Mistake> => {
  // Errors found at one place are one mistake seen several ways: the most telling description stands for them.
  const atPlace = new Map<number, Mistake>();
  for (const err of doc.errors) {
    const m = describe(err, doc, lines);
    const earlier = atPlace.get(err.pos[0]);
    if (earlier === undefined || (earlier.message.startsWith(PARSER_WORDS) && !m.message.startsWith(PARSER_WORDS))) atPlace.set(err.pos[0], m);
  }
  const byLine = new Map<number, Mistake>();
  for (const m of [...atPlace.values(), ...keysWithoutSpace(doc, lines)]) if (!byLine.has(m.line)) byLine.set(m.line, m);
  const inOrder = [...byLine.values()].sort((a, b) => a.line - b.line);
  // "Unexpected ... in YAML stream": text after the document ended. After another mistake, that
  // mistake ended it (`thingName:my-pi` makes the file a string, and every later key "unexpected").
  return inOrder.filter((m, i) => i === 0 || !AFTER_THE_END.test(m.message));
};
