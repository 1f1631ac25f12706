/**
 * @module arguments: a gateway_invoke's arguments, made ready before anything is woken: unwrapped when a model
 * nested them one level too deep or sent them as a JSON string, and checked against the tool's cached input schema
 * so that a wrong call costs one round trip, not a backend start.
 */
import { CfWorkerJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/cfworker';
import type { JsonSchemaType, JsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/types.js';
import type { CatalogTool } from '../catalog/catalog.js';
import { isObject } from '../json-rpc.js';

export type PreparedArguments =
  { ok: true; arguments: Record<string, unknown> } | { ok: false; message: string };

/** Keys models wrap arguments in by mistake ("arguments": {"arguments": {...}}). */
const WRAPPERS = ['arguments', 'args', 'params', 'parameters', 'input'];
const MAX_CACHED_VALIDATORS = 2_000;

export class ArgumentChecker {
  private readonly validators = new Map<string, JsonSchemaValidator<unknown> | null>();
  private readonly provider = new CfWorkerJsonSchemaValidator({ shortcircuit: false, draft: '2020-12' });

  prepare(raw: unknown, entry: CatalogTool | undefined): PreparedArguments {
    let args = raw ?? {};
    if (typeof args === 'string') {
      try {
        args = JSON.parse(args);
      } catch {
        return { ok: false, message: '"arguments" must be an object (got a string that is not JSON)' };
      }
    }
    if (typeof args !== 'object' || args === null || Array.isArray(args)) {
      return {
        ok: false,
        message: `"arguments" must be an object (got ${Array.isArray(args) ? 'an array' : typeof args})`,
      };
    }
    let object = args as Record<string, unknown>;
    // Without the tool's schema there is no telling a wrapper from a real parameter: pass the arguments as given.
    if (!entry) return { ok: true, arguments: object };
    const properties = (entry.tool.inputSchema.properties ?? {}) as Record<string, unknown>;
    for (let depth = 0; depth < 2; depth++) {
      const keys = Object.keys(object);
      const inner = keys.length === 1 ? object[keys[0]!] : undefined;
      if (!WRAPPERS.includes(keys[0] ?? '') || Object.hasOwn(properties, keys[0]!) || !isObject(inner)) break;
      object = inner;
    }
    const validate = this.validator(entry);
    const result = validate?.(object);
    if (!result || result.valid) return { ok: true, arguments: object };
    return {
      ok: false,
      message:
        `arguments do not match the input schema of "${entry.tool.name}": ${result.errorMessage}. ` +
        `Expected: ${JSON.stringify(entry.tool.inputSchema)}`,
    };
  }

  /** Compiled once per tool definition; null when the schema cannot be compiled (then the backend judges). */
  private validator(entry: CatalogTool): JsonSchemaValidator<unknown> | null {
    let validator = this.validators.get(entry.hash);
    if (validator === undefined) {
      if (this.validators.size >= MAX_CACHED_VALIDATORS) this.validators.clear();
      try {
        validator = this.provider.getValidator(withoutPatterns(entry.tool.inputSchema) as JsonSchemaType);
      } catch {
        validator = null;
      }
      this.validators.set(entry.hash, validator);
    }
    return validator;
  }
}

/**
 * A backend's regular expressions are not run here: a pattern like `(a|a)*$` could stall the gateway's event loop
 * (ReDoS). The backend still checks them itself.
 */
function withoutPatterns(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withoutPatterns);
  if (!isObject(schema)) return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'pattern' || key === 'patternProperties' || key === '$schema') continue;
    // In these the keys are names (a parameter may well be called "pattern"), the values schemas.
    out[key] =
      NAME_MAPS.has(key) && isObject(value) ? mapValues(value, withoutPatterns) : withoutPatterns(value);
  }
  return out;
}

const NAME_MAPS = new Set(['properties', '$defs', 'definitions', 'dependentSchemas']);

function mapValues(object: Record<string, unknown>, fn: (v: unknown) => unknown): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, fn(v)]));
}
