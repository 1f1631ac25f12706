/**
 * @module config/jsonata: JSONata, loaded on first use. Only a config with pipelines has expressions, so a gateway
 * without them never evaluates the library (~1 MB of an idle gateway's memory). It is required from node_modules
 * rather than bundled, as the SQLite driver is (store/sqlite-session-store.ts), because its first use is synchronous:
 * the config check parses every expression.
 */
import { createRequire } from 'node:module';
import type Jsonata from 'jsonata';

let loaded: typeof Jsonata | undefined;

/** The package's one export, `jsonata(source, options)`, which compiles an expression. */
export function loadJsonata(): typeof Jsonata {
  return (loaded ??= createRequire(import.meta.url)('jsonata') as typeof Jsonata);
}
