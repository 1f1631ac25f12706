/**
 * @module import/jsonc: JSON with comments and trailing commas, as VS Code and Cursor write their MCP files (VS Code's
 * own templates start with `//` lines), read without a dependency. Strict JSON reads the same.
 */

export type JsoncResult = { ok: true; value: unknown } | { ok: false; message: string };

/**
 * Blanks out comments and trailing commas, keeping every other character at its place, so that JSON.parse's
 * position still points at the right line and column of the original text.
 */
export function stripJsonc(text: string): string {
  const out = text.split('');
  let i = 0;
  // The last significant character outside strings and comments, and where it was: a comma there is trailing when
  // the next significant character closes an object or array.
  let lastComma = -1;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      lastComma = -1;
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      i++;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') out[i++] = ' ';
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? text.length : end + 2;
      for (; i < stop; i++) if (text[i] !== '\n') out[i] = ' ';
    } else {
      if (c === ',') lastComma = i;
      else if ((c === '}' || c === ']') && lastComma >= 0) {
        out[lastComma] = ' ';
        lastComma = -1;
      } else if (!/\s/.test(c)) lastComma = -1;
      i++;
    }
  }
  return out.join('');
}

/** Parses JSONC; a syntax error names its line and column (JSON.parse gives an offset, or nothing, by Node version). */
export function parseJsonc(text: string): JsoncResult {
  const stripped = stripJsonc(text.replace(/^\uFEFF/, ''));
  try {
    return { ok: true, value: JSON.parse(stripped) as unknown };
  } catch (error) {
    // V8 quotes the text around an unexpected token; the file may hold secrets, so the quote goes.
    const message = (error as Error).message.replace(/, (\.\.\.)?".*" is not valid JSON$/s, '');
    const offset = /position (\d+)/.exec(message)?.[1];
    if (offset === undefined) return { ok: false, message: ` ${message}` };
    const before = stripped.slice(0, Number(offset)).split('\n');
    const where = `${before.length}:${before.at(-1)!.length + 1}`;
    return { ok: false, message: `${where} ${message.replace(/ in JSON at position \d+.*$/, '')}` };
  }
}
