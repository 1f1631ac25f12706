/**
 * RestSessions' decisions without HTTP: credentials become headers (bearer, api_key, headers), reserved or malformed
 * headers are refused, a stdio backend cannot take credentials, a profile bounds the servers, a client's limit holds,
 * another owner sees nothing.
 */
import { describe, expect, it } from 'vitest';
import { FULL_ACCESS, compileAccess } from '../../src/auth/access.js';
import { RestSessions, sessionAccess, sessionCredentials } from '../../src/api/rest-sessions.js';
import type { SessionStore, StoredSession } from '../../src/store/session-store.js';
import type { BackendConfig } from '../../src/config/index.js';

function memoryStore(): SessionStore {
  const rows = new Map<string, StoredSession>();
  return {
    put: async (s) => void rows.set(s.id, structuredClone(s)),
    get: async (id) => rows.get(id),
    list: async (owner) => [...rows.values()].filter((s) => s.owner === owner),
    delete: async (id) => rows.delete(id),
    sweep: async () => 0,
    close: async () => {},
  };
}

const registry = {
  enabledNames: ['files', 'remote'],
  definition: (name: string) =>
    ({ files: { transport: 'stdio' }, remote: { transport: 'http' } })[name] as BackendConfig | undefined,
};
const config = { key: undefined, default_ttl_s: 60, max_ttl_s: 120, max_per_client: 2 };
const make = () => new RestSessions({ store: memoryStore(), registry, config });

describe('RestSessions', () => {
  it('turns each kind of credential into headers', async () => {
    const sessions = make();
    for (const [credential, headers] of [
      [{ bearer: 't' }, { Authorization: 'Bearer t' }],
      [{ api_key: { header: 'X-Api-Key', value: 'k' } }, { 'X-Api-Key': 'k' }],
      [{ headers: { 'X-A': '1', 'X-B': '2' } }, { 'X-A': '1', 'X-B': '2' }],
    ] as const) {
      const created = await sessions.create('alice', FULL_ACCESS, {
        servers: ['remote'],
        credentials: { remote: credential },
      });
      expect(created.ok && created.value.credentials).toEqual({ remote: headers });
      if (created.ok) await sessions.delete('alice', created.value.id);
    }
  });

  it('refuses stdio credentials, reserved and malformed headers, a ttl too long', async () => {
    const sessions = make();
    const refused = async (input: Parameters<RestSessions['create']>[2]) => {
      const outcome = await sessions.create('alice', FULL_ACCESS, input);
      return outcome.ok ? undefined : outcome;
    };
    expect(await refused({ servers: ['files'], credentials: { files: { bearer: 'x' } } })).toMatchObject({
      status: 400,
      message: expect.stringContaining('stdio'),
    });
    expect(
      await refused({ servers: ['remote'], credentials: { remote: { headers: { Host: 'x' } } } }),
    ).toMatchObject({
      status: 400,
    });
    expect(
      await refused({ servers: ['remote'], credentials: { remote: { headers: { 'X-A': 'a\r\nX-B: b' } } } }),
    ).toMatchObject({ status: 400 });
    expect(await refused({ servers: ['remote'], ttl_s: 121 })).toMatchObject({ status: 400 });
  });

  it('bounds servers by the profile, sessions by the client, and hides them from other owners', async () => {
    const sessions = make();
    const onlyFiles = compileAccess({ name: 'p', backends: ['files'], deny: [], surface: 'meta' } as never);
    expect(await sessions.create('alice', onlyFiles, { servers: ['files', 'remote'] })).toMatchObject({
      ok: false,
      status: 403,
      message: expect.stringContaining('remote'),
    });
    const first = await sessions.create('alice', FULL_ACCESS, { servers: ['files'] });
    await sessions.create('alice', FULL_ACCESS, { servers: ['files'] });
    expect(await sessions.create('alice', FULL_ACCESS, { servers: ['files'] })).toMatchObject({
      status: 429,
    });
    const id = first.ok ? first.value.id : '';
    expect(await sessions.get('bob', id)).toBeUndefined();
    expect(await sessions.delete('bob', id)).toBe(false);
    expect(await sessions.get('alice', id)).toBeDefined();
  });

  it("narrows the caller's access to the session's servers and gives each backend its own headers", () => {
    const access = sessionAccess(FULL_ACCESS, { servers: ['remote'], surface: 'flat' });
    expect([access.backend('remote'), access.backend('files'), access.surface]).toEqual([
      true,
      false,
      'flat',
    ]);
    const credential = sessionCredentials({ credentials: { remote: { 'X-Api-Key': 'k' } } }, 'Bearer client');
    expect(credential('remote')).toEqual({ headers: { 'X-Api-Key': 'k' } });
    expect(credential('files')).toBe('Bearer client');
  });
});
