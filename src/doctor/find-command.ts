/**
 * @module doctor/find-command: finds a stdio backend's program the way spawn() will (on the child's PATH, or
 * relative to its cwd when the name has a slash) and, for a script, the interpreter its `#!` line needs.
 */
import { constants } from 'node:fs';
import { access, open, stat } from 'node:fs/promises';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

export type FindResult =
  | { ok: true; path: string }
  | { ok: false; reason: 'not-found' | 'not-executable' | 'is-directory'; path?: string };

/** Resolves `command` like execvp: a name with a slash is a path (relative to `cwd`), anything else is looked up. */
export async function findCommand(command: string, searchPath: string, cwd: string): Promise<FindResult> {
  if (command.includes('/')) return checkFile(isAbsolute(command) ? command : resolve(cwd, command));
  let firstProblem: FindResult | undefined;
  // An empty PATH entry means the current directory, as in every shell.
  for (const dir of searchPath.split(delimiter)) {
    const result = await checkFile(join(dir === '' ? cwd : resolve(cwd, dir), command));
    if (result.ok) return result;
    // A non-executable file of that name earlier on PATH is skipped by execvp, but worth naming if nothing is found.
    if (result.reason !== 'not-found') firstProblem ??= result;
  }
  return firstProblem ?? { ok: false, reason: 'not-found' };
}

async function checkFile(path: string): Promise<FindResult> {
  let info;
  try {
    info = await stat(path);
  } catch {
    return { ok: false, reason: 'not-found', path };
  }
  if (info.isDirectory()) return { ok: false, reason: 'is-directory', path };
  try {
    await access(path, constants.X_OK);
  } catch {
    return { ok: false, reason: 'not-executable', path };
  }
  return { ok: true, path };
}

export interface Interpreter {
  /** The program the kernel runs, as written after `#!`. */
  path: string;
  /** For `#!/usr/bin/env [-S] prog …`: the program env looks up on PATH. */
  viaEnv?: string;
}

/** The interpreter named by a file's `#!` line, or undefined for a binary or a file without one. */
export async function readInterpreter(file: string): Promise<Interpreter | undefined> {
  let head: string;
  try {
    const handle = await open(file, 'r');
    try {
      const buffer = Buffer.alloc(256);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      head = buffer.subarray(0, bytesRead).toString('latin1');
    } finally {
      await handle.close();
    }
  } catch {
    return undefined;
  }
  if (!head.startsWith('#!')) return undefined;
  const words = head.slice(2).split('\n', 1)[0]!.trim().split(/\s+/);
  const path = words[0];
  if (!path) return undefined;
  if (!path.endsWith('/env')) return { path };
  // `env -S` splits the rest into words; other env options (rare in #! lines) are skipped the same way.
  const viaEnv = words.slice(1).find((w) => !w.startsWith('-') && !w.includes('='));
  return viaEnv ? { path, viaEnv } : { path };
}

/** Where `name` would be found on `searchPath`, for hints ("your shell finds it in /opt/homebrew/bin"). */
export async function whereIs(
  name: string,
  searchPath: string | undefined,
  cwd: string,
): Promise<string | undefined> {
  if (!searchPath || name.includes('/')) return undefined;
  const found = await findCommand(name, searchPath, cwd);
  return found.ok ? found.path : undefined;
}
