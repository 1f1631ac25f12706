import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Every servers*.yaml / servers*.yml under examples/, plus servers.yaml at the repo root when present. */
function exampleConfigs(): string[] {
  const dir = join(ROOT, 'examples');
  const found = existsSync(dir)
    ? readdirSync(dir, { recursive: true, encoding: 'utf8' })
        .filter(
          (f) => /(^|[\\/])servers[^\\/]*\.ya?ml$/.test(f) && !f.split(/[\\/]/).includes('node_modules'),
        )
        .map((f) => join(dir, f))
    : [];
  const rootConfig = join(ROOT, 'servers.yaml');
  if (existsSync(rootConfig)) found.push(rootConfig);
  return found.sort();
}

/**
 * Sets each `${NAME}` without a default to a plausible dummy (a port for *PORT*, a URL for *URL*),
 * so an example fails only for its own mistakes, never for the environment of the machine running tests.
 */
export function dummyEnv(text: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [, name, withDefault] of text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)(:-)?/g)) {
    if (withDefault || !name) continue;
    env[name] = /PORT/i.test(name)
      ? '40000'
      : /URL/i.test(name)
        ? 'http://127.0.0.1:40000/mcp'
        : `dummy-${name}`;
  }
  return env;
}

describe('example configs', () => {
  const files = exampleConfigs();

  it('are discovered (the list may be empty while examples are being written)', () => {
    expect(files.every((f) => /\.ya?ml$/.test(f))).toBe(true);
  });

  it.each(files.map((f) => [relative(ROOT, f), f]))('%s loads without error', (_name, file) => {
    const text = readFileSync(file, 'utf8');
    const loaded = parseConfig(text, { path: file, env: dummyEnv(text) });
    expect(loaded.config.backends).toBeTypeOf('object');
  });

  it('dummyEnv covers variables without defaults only', () => {
    expect(dummyEnv('a: ${API_KEY}\nb: ${OTHER_PORT}\nc: ${X:-y}\nd: ${BASE_URL}')).toEqual({
      API_KEY: 'dummy-API_KEY',
      OTHER_PORT: '40000',
      BASE_URL: 'http://127.0.0.1:40000/mcp',
    });
  });
});
