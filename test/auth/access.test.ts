/**
 * The decisions themselves, without HTTP: a profile's globs (deny wins, an empty allow-list allows nothing), which
 * profile a credential may use, static tokens by hash, the loopback rule, and the flat surface's names (within 64
 * characters, collision-free, stable).
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { compileAccess } from '../../src/auth/access.js';
import { createAuthenticator } from '../../src/auth/authenticator.js';
import { bindRefusal, isLoopbackHost } from '../../src/auth/bind-check.js';
import { parseConfig } from '../../src/config/index.js';
import type { MetaContext } from '../../src/meta/context.js';
import { flatSurface, newFlatCache } from '../../src/meta/flat-tools.js';

const profile = (p: Partial<Parameters<typeof compileAccess>[0]>) =>
  compileAccess({ name: 'p', backends: undefined, allow: undefined, deny: [], surface: 'meta', ...p });

describe('a profile', () => {
  it('allows by glob on server/tool, deny winning, and only its backends', () => {
    const dev = profile({
      backends: ['github', 'notes'],
      allow: ['github/*', 'notes/*'],
      deny: ['github/delete_*'],
    });
    expect(dev.tool('github', 'create_issue')).toBe(true);
    expect(dev.tool('github', 'delete_repo')).toBe(false);
    expect(dev.tool('notes', 'add')).toBe(true);
    expect(dev.tool('slack', 'post')).toBe(false);
    expect(dev.backend('slack')).toBe(false);
  });

  it('allows nothing with an empty allow-list, everything of its backends without one', () => {
    expect(profile({ allow: [] }).tool('a', 'b')).toBe(false);
    expect(profile({}).tool('a', 'b')).toBe(true);
    expect(profile({ backends: ['a'], allow: ['*/*'] }).tool('b', 'x')).toBe(false);
    // Glob characters other than * are literal.
    expect(profile({ allow: ['a/get.x'] }).tool('a', 'getXx')).toBe(false);
  });
});

describe('the authenticator', () => {
  const { config } = parseConfig(
    `
auth:
  clients:
    alice: { token: 'alice-token-0123456789', profiles: [dev, ops] }
    bob: { token_sha256: '${createHash('sha256').update('bob-token-0123456789').digest('hex')}' }
profiles:
  dev: {}
  ops: {}
  other: {}
`,
    { path: 'servers.yaml', env: {} },
  );
  const auth = createAuthenticator(config, () => 'admin-token-0123456789');

  it('knows static tokens by their hash, and the admin token', () => {
    expect(auth.quick('Bearer alice-token-0123456789')).toMatchObject({
      ok: true,
      identity: { client: 'alice' },
    });
    expect(auth.quick('bearer bob-token-0123456789')).toMatchObject({
      ok: true,
      identity: { client: 'bob' },
    });
    expect(auth.quick('Bearer admin-token-0123456789')).toMatchObject({
      ok: true,
      identity: { admin: true },
    });
    expect(auth.quick('Bearer nope-0123456789')).toMatchObject({ ok: false, status: 401 });
    expect(auth.quick(undefined)).toMatchObject({ ok: false, status: 401 });
  });

  it('serves the default profile, the ones the credential lists, and names the valid ones', () => {
    const alice = { client: 'alice', profiles: ['dev', 'ops'], admin: false };
    expect(auth.access(alice)).toMatchObject({ ok: true, access: { profile: 'dev' } });
    expect(auth.access(alice, 'ops')).toMatchObject({ ok: true, access: { profile: 'ops' } });
    expect(auth.access(alice, 'other')).toMatchObject({ ok: false, status: 403 });
    expect(auth.access(alice, 'x')).toMatchObject({
      ok: false,
      status: 404,
      message: expect.stringContaining('dev, ops'),
    });
    expect(auth.access({ client: 'bob', profiles: [], admin: false }, 'other')).toMatchObject({ ok: true });
  });
});

describe('where the gateway may listen', () => {
  it('refuses beyond loopback without auth, unless auth: none', () => {
    for (const host of ['127.0.0.1', '127.0.0.2', '::1', '[::1]', 'localhost'])
      expect(isLoopbackHost(host)).toBe(true);
    for (const host of ['0.0.0.0', '::', '192.168.1.2', 'gw.example.com'])
      expect(isLoopbackHost(host)).toBe(false);
    expect(bindRefusal('0.0.0.0', { mode: 'off' })).toMatch(/refusing/);
    expect(bindRefusal('0.0.0.0', { mode: 'none' })).toBeUndefined();
    expect(bindRefusal('0.0.0.0', { mode: 'on' })).toBeUndefined();
    expect(bindRefusal('127.0.0.1', { mode: 'off' })).toBeUndefined();
  });
});

describe('flat names', () => {
  const tool = (name: string): Tool => ({ name, description: 'd', inputSchema: { type: 'object' } });
  const entries: Record<string, Tool[]> = {
    a_: [tool('_b'), tool('x'.repeat(70))],
    a: [tool('__b'), tool('with space'), tool('x'.repeat(70))],
  };
  const context = {
    registry: { enabledNames: ['a', 'a_'] },
    catalog: {
      get: (s: string) =>
        entries[s] && { tools: entries[s].map((t) => ({ tool: t, hash: '' })), indexed_at: '' },
      find: () => undefined,
    },
  } as unknown as MetaContext;

  it('fit 64 characters, never collide, and are the same every time', () => {
    const access = profile({});
    const surface = flatSurface(context, access, newFlatCache());
    const names = surface.tools.map((t) => t.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names.every((n) => n.length <= 64 && /^[A-Za-z0-9_-]+$/.test(n))).toBe(true);
    expect(names[0]).toBe('a____b');
    expect(surface.targets.get(names.find((n) => n.startsWith('a__with'))!)).toEqual({
      server: 'a',
      tool: 'with space',
    });
    expect(flatSurface(context, access, newFlatCache()).tools.map((t) => t.name)).toEqual(names);
  });
});
