/**
 * @module required-on-use: packages required from node_modules the first time they are needed instead of bundled into
 * the executable: the SQLite driver (a native module, which cannot be bundled) and libraries only some
 * configurations use (jsonata for pipelines, re2js for regex search), which a gateway that never needs them then
 * never evaluates. A require, not `import()`: their first use is synchronous.
 */
import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

/** What loads `name` on its first call and returns the same module on every call after. */
export function requiredOnUse<T>(name: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= load(name) as T);
}
