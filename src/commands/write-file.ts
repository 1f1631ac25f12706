/**
 * @module commands/write-file: replaces a config file whole or not at all: a crash or a full disk half-way must not
 * leave a servers.yaml the gateway refuses. The file keeps its mode (it may hold secrets, 0600) and a symlinked
 * file (dotfiles) stays a symlink: its target is replaced.
 */
import { chmodSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';

export function replaceFile(path: string, text: string): void {
  let target = path;
  let mode: number | undefined;
  try {
    target = realpathSync(path);
    mode = statSync(target).mode & 0o777;
  } catch {
    // A new file: written where asked, with the process's default mode.
  }
  const temporary = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`);
  try {
    writeFileSync(temporary, text, { flag: 'wx', ...(mode !== undefined ? { mode } : {}) });
    if (mode !== undefined) chmodSync(temporary, mode);
    renameSync(temporary, target);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
