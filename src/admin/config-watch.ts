/**
 * @module config-watch: calls back when the config file changes on disk, once per burst of changes. The folder is
 * watched, not the file: editors save by writing a new file and renaming it over the old one, which a watch on the
 * file itself loses.
 */
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';

export function watchConfigFile(path: string, changed: () => void, debounceMs = 300): () => void {
  const name = basename(path);
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(path), { persistent: false }, (_event, file) => {
      if (file !== null && file !== name) return;
      clearTimeout(timer);
      timer = setTimeout(changed, debounceMs);
    });
    // A folder that goes away (unmounted, deleted) ends the watch; SIGHUP still reloads.
    watcher.on('error', () => watcher?.close());
  } catch {
    // No watch on this file system: SIGHUP and POST /api/v1/reload remain.
  }
  return () => {
    clearTimeout(timer);
    watcher?.close();
  };
}
