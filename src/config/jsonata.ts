/**
 * @module config/jsonata: JSONata, loaded on first use (required-on-use.ts). Only a config with pipelines has
 * expressions, so a gateway without them never evaluates the library (~1 MB of an idle gateway's memory).
 */
import type Jsonata from 'jsonata';
import { requiredOnUse } from '../required-on-use.js';

/** The package's one export, `jsonata(source, options)`, which compiles an expression. */
export const loadJsonata = requiredOnUse<typeof Jsonata>('jsonata');
