import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isMap, isSeq, parseDocument, visit } from 'yaml';
import { DEFAULT_NOTES_PORT } from '../../examples/backends/notes-http.js';
import { DEFAULT_UNITS_PORT } from '../../examples/backends/units-sse.js';

// A shape check of the example configs only; the gateway's own schema tests load them for real.
const TOP_KEYS = [
  'port',
  'host',
  'enable_meta_mcp',
  'idle_timeout',
  'allowed_hosts',
  'allowed_origins',
  'max_body_bytes',
  'log_level',
  'backends',
];
const BACKEND_KEYS = [
  'command',
  'args',
  'env',
  'cwd',
  'http_url',
  'headers',
  'transport',
  'description',
  'enabled',
  'idle_timeout',
  'timeout',
];

const load = (rel: string) => {
  const doc = parseDocument(readFileSync(fileURLToPath(new URL(`../../${rel}`, import.meta.url)), 'utf8'));
  expect(doc.errors).toEqual([]);
  return {
    doc,
    data: doc.toJS() as { backends: Record<string, Record<string, unknown>> } & Record<string, unknown>,
  };
};

describe.each(['servers.yaml', 'examples/servers.full.yaml'])('%s', (file) => {
  it('uses only known keys and gives every backend exactly one of command / http_url', () => {
    const { data } = load(file);
    for (const key of Object.keys(data)) expect(TOP_KEYS, `top-level key ${key}`).toContain(key);
    for (const [name, backend] of Object.entries(data.backends)) {
      for (const key of Object.keys(backend)) expect(BACKEND_KEYS, `${name}.${key}`).toContain(key);
      expect('command' in backend !== 'http_url' in backend, `${name}: command xor http_url`).toBe(true);
      expect(typeof backend.description, `${name}.description`).toBe('string');
    }
  });
});

describe('servers.yaml (the demo)', () => {
  it('uses block style, so it reads well as a first example', () => {
    const { doc } = load('servers.yaml');
    visit(doc, {
      Map: (_, node) => void expect(isMap(node) && node.flow).toBeFalsy(),
      Seq: (_, node) => void expect(isSeq(node) && node.flow).toBeFalsy(),
    });
  });

  it('points at the demos that npm start runs', () => {
    const { data } = load('servers.yaml');
    expect(data).toMatchObject({ port: 39400, host: '127.0.0.1', enable_meta_mcp: true });
    expect(data.backends.toolbox).toMatchObject({ command: 'node dist/examples/backends/toolbox.js' });
    expect(data.backends.notes).toMatchObject({ http_url: `http://127.0.0.1:${DEFAULT_NOTES_PORT}/mcp` });
    expect(data.backends.units).toMatchObject({
      http_url: `http://127.0.0.1:${DEFAULT_UNITS_PORT}/sse`,
      transport: 'sse',
    });
  });
});

describe('examples/servers.full.yaml (the reference)', () => {
  it('shows every option at least once', () => {
    const { data } = load('examples/servers.full.yaml');
    expect(Object.keys(data).sort()).toEqual([...TOP_KEYS].sort());
    const used = new Set(Object.values(data.backends).flatMap((b) => Object.keys(b)));
    expect([...used].sort()).toEqual([...BACKEND_KEYS].sort());
    const text = readFileSync(
      fileURLToPath(new URL('../../examples/servers.full.yaml', import.meta.url)),
      'utf8',
    );
    expect(text).toMatch(/\$\{[A-Z_]+\}/);
    expect(text).toMatch(/\$\{[A-Z_]+:-[^}]+\}/);
    expect(Object.values(data.backends).some((b) => typeof b.command === 'string' && !b.args)).toBe(true);
    expect(Object.values(data.backends).some((b) => b.enabled === false)).toBe(true);
  });
});
