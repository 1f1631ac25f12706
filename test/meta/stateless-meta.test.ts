/**
 * The stateless meta server's lists: rendered once and kept, `public` unless a profile filters the flat list (then
 * `private`), and rendered again only when the catalog changes.
 */
import { describe, expect, it } from 'vitest';
import { FULL_ACCESS, type Access } from '../../src/auth/access.js';
import type { CatalogEntry } from '../../src/catalog/catalog.js';
import type { MetaContext } from '../../src/meta/context.js';
import { StatelessMeta } from '../../src/meta/stateless-meta.js';

function entry(...names: string[]): CatalogEntry {
  return {
    tools: names.map((name) => ({ tool: { name, inputSchema: { type: 'object' as const } }, hash: name })),
    indexed_at: '2026-12-01T00:00:00.000Z',
  };
}

const entries: Record<string, CatalogEntry> = { alpha: entry('one', 'two'), beta: entry('three') };
const context = {
  registry: { enabledNames: ['alpha', 'beta'] },
  catalog: {
    get: (s: string) => entries[s],
    find: (s: string, t: string) => entries[s]?.tools.find((x) => x.tool.name === t),
  },
} as unknown as MetaContext;

const onlyAlpha: Access = {
  profile: 'alpha-only',
  surface: 'flat',
  backend: (n) => n === 'alpha',
  tool: (s) => s === 'alpha',
};

describe('StatelessMeta', () => {
  const meta = new StatelessMeta(context, '1.2.3', ['2026-07-28']);

  it('lists the meta-tools as public, the same string every time', () => {
    const first = meta.listTools({ access: FULL_ACCESS, flat: false });
    expect(meta.listTools({ access: FULL_ACCESS, flat: false })).toBe(first);
    expect(JSON.parse(first)).toMatchObject({ cacheScope: 'public', resultType: 'complete' });
    expect(JSON.parse(first).ttlMs).toBeGreaterThan(0);
  });

  it("marks a profile's filtered flat list private, the whole one public", () => {
    const all = JSON.parse(meta.listTools({ access: FULL_ACCESS, flat: true })) as {
      tools: { name: string }[];
      cacheScope: string;
    };
    expect(all.cacheScope).toBe('public');
    expect(all.tools.map((t) => t.name)).toEqual(['alpha__one', 'alpha__two', 'beta__three']);
    const filtered = JSON.parse(meta.listTools({ access: onlyAlpha, flat: false })) as typeof all;
    expect(filtered.cacheScope).toBe('private');
    expect(filtered.tools.map((t) => t.name)).toEqual(['alpha__one', 'alpha__two']);
  });

  it('renders the flat list again when the catalog changes', () => {
    const before = meta.listTools({ access: FULL_ACCESS, flat: true });
    entries.beta = entry('three', 'four');
    const after = meta.listTools({ access: FULL_ACCESS, flat: true });
    expect(after).not.toBe(before);
    expect(after).toContain('beta__four');
  });

  it('discovers the gateway itself, with the flat instructions on the flat surface', () => {
    const discover = JSON.parse(meta.discover({ access: FULL_ACCESS, flat: false }));
    expect(discover).toMatchObject({
      supportedVersions: ['2026-07-28'],
      capabilities: { tools: {} },
      cacheScope: 'public',
      _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'mcp-gateway', version: '1.2.3' } },
    });
    expect(meta.discover({ access: FULL_ACCESS, flat: true })).toContain('server__tool');
  });
});
