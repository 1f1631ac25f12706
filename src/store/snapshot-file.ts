/**
 * @module snapshot-file: one JSON document kept in a file of the state directory (the tool catalog), behind the small
 * interface that a shared store can implement too. A save is written off the caller's turn, coalesced (saves that
 * arrive while one is being written leave as one write of the latest value), and atomically: written whole to a file
 * of its own, flushed to disk, then renamed over the document, so that a crash mid-write never leaves a half-written
 * document where the next start reads it.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from '../log.js';

export interface SnapshotStore {
  /** The document as last saved; undefined when there is none or it cannot be read (then the caller starts empty). */
  load(): unknown;
  /** Saves `value` soon; returns at once. */
  save(value: unknown): void;
  /** Resolves once every save made so far is written. */
  flush(): Promise<void>;
}

export function snapshotFile(path: string, log: Logger): SnapshotStore {
  let latest: { value: unknown } | undefined;
  let writing: Promise<void> | undefined;

  async function writeAll(): Promise<void> {
    while (latest) {
      const { value } = latest;
      latest = undefined;
      await write(value).catch((error: unknown) =>
        log.warn({ path, err: String(error) }, 'cannot write the state file; kept in memory'),
      );
    }
    writing = undefined;
  }

  async function write(value: unknown): Promise<void> {
    // A name of this process's own: two writers never interleave in one temporary file.
    const temporary = `${path}.${process.pid}.tmp`;
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const file = await open(temporary, 'w', 0o600);
    try {
      await file.writeFile(JSON.stringify(value));
      await file.datasync();
    } finally {
      await file.close();
    }
    try {
      await rename(temporary, path);
    } catch (error) {
      await unlink(temporary).catch(() => {});
      throw error;
    }
  }

  return {
    load() {
      try {
        return JSON.parse(readFileSync(path, 'utf8')) as unknown;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
          log.warn({ path, err: String(error) }, 'state file unreadable; starting empty');
        return undefined;
      }
    },
    save(value) {
      latest = { value };
      // Off the caller's turn: serializing a large catalog is work the caller (a backend's read) need not wait for.
      writing ??= new Promise<void>((resolve) => setImmediate(resolve)).then(writeAll);
    },
    async flush() {
      while (writing) await writing;
    },
  };
}
