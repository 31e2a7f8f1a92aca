/**
 * How deep flow collections (`[`, `{`) nest in a YAML text, found in one
 * pass before the YAML parser sees it: half a megabyte of `[` costs the
 * parser seconds and hundreds of MB, and a config nests two or three deep.
 * Brackets in quoted scalars and comments do not count. Returns the offset
 * where `max` is first exceeded, or undefined.
 */
export const flowNestingBeyond = (text: string, max: number): number | undefined => {
  let depth = 0;
  let quote: '"' | "'" | undefined;
  let previous = '\n';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quote === '"') {
      if (c === '\\') i++;
      else if (c === '"') quote = undefined;
    } else if (quote === "'") {
      if (c === "'") {
        if (text[i + 1] === "'") i++;
        else quote = undefined;
      }
    } else if (c === '#' && /\s/.test(previous)) {
      const end = text.indexOf('\n', i);
      if (end < 0) break;
      i = end;
    } else if ((c === '"' || c === "'") && /[\s[{,:]/.test(previous)) {
      quote = c;
    } else if (c === '[' || c === '{') {
      depth += 1;
      if (depth > max) return i;
    } else if (c === ']' || c === '}') {
      depth = Math.max(0, depth - 1);
    }
    previous = text[i] as string;
  }
  return undefined;
};
