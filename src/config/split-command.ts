/** @module config/split-command — shell-like word splitting of `command:` strings, with no shell involved. */

export type SplitResult = { ok: true; words: string[] } | { ok: false; message: string };

const SHELL_HINT =
  'the command is not run by a shell; quote it to pass it literally, or if a shell is really wanted use ' +
  'command: sh with args: ["-c", "…"]';

/**
 * Splits a command line into words the way a POSIX shell would for the simple cases (whitespace,
 * '…', "…" with \" \\ \$ \` escapes, backslash outside quotes) and refuses everything that only a
 * shell could honour (pipes, redirections, substitutions, `;`, `&`). Refusing instead of passing
 * `|` through as an argument matters: users copy commands from READMEs and would otherwise get a
 * baffling failure from the child. Messages never quote the command (it may hold expanded secrets).
 *
 * `$(` and backticks are refused inside double quotes too: a shell would substitute there, so taking
 * them literally would silently do something else than the user meant. Write \$ or \` to keep them.
 */
export function splitCommand(line: string): SplitResult {
  const words: string[] = [];
  let word = '';
  // Distinguishes "no word yet" from an empty quoted word such as ''.
  let inWord = false;
  let i = 0;
  const operator = (op: string): SplitResult => ({
    ok: false,
    message: `"${op}" is a shell operator, but ${SHELL_HINT}`,
  });

  while (i < line.length) {
    const c = line[i]!;
    if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      i++;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) return { ok: false, message: 'unterminated single quote' };
      word += line.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      i++;
      let closed = false;
      while (i < line.length) {
        const d = line[i]!;
        if (d === '"') {
          closed = true;
          i++;
          break;
        }
        if (d === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1]!)) {
          word += line[i + 1];
          i += 2;
          continue;
        }
        if (d === '`') return operator('`');
        if (d === '$' && line[i + 1] === '(') return operator('$(');
        word += d;
        i++;
      }
      if (!closed) return { ok: false, message: 'unterminated double quote' };
      inWord = true;
    } else if (c === '\\') {
      if (i + 1 >= line.length) return { ok: false, message: 'the command ends with a lone backslash' };
      word += line[i + 1];
      inWord = true;
      i += 2;
    } else if ('|&;<>`'.includes(c)) {
      return operator(c);
    } else if (c === '$' && line[i + 1] === '(') {
      return operator('$(');
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(word);
  if (words.length === 0 || words[0] === '') return { ok: false, message: 'the command is empty' };
  return { ok: true, words };
}
