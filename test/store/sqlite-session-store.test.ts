/**
 * The REST session store on a real SQLite file: sessions survive a reopen, expire and are swept; credentials are sealed
 * (no byte of them in clear in the file); a file that is not a database is set aside, not emptied; a schema of
 * version 1 is migrated; the key comes from the config text or a 0600 key file made on first use.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSecretBox, keyFromFile, parseKey } from '../../src/store/secret-box.js';
import type { StoredSession } from '../../src/store/session-store.js';
import { openSqliteSessionStore, SCHEMA_VERSION } from '../../src/store/sqlite-session-store.js';

const SECRET = 'sk-live-7d1c0a9e5b3f4c2a8e6d';
const KEY = Buffer.alloc(32, 7);
let dir: string;
let path: string;
const box = () => createSecretBox(KEY);

function session(id: string, over: Partial<StoredSession> = {}): StoredSession {
  return {
    id,
    owner: 'alice',
    servers: ['alpha', 'beta'],
    surface: 'flat',
    credentials: { alpha: { Authorization: `Bearer ${SECRET}` } },
    metadata: { purpose: 'test' },
    createdAt: 1_000,
    expiresAt: Date.now() + 60_000,
    ...over,
  };
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'session-store-'));
  path = join(dir, 'rest-sessions.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('sqlite session store', () => {
  it('keeps sessions across a reopen, private to the user, with no credential in clear', async () => {
    const first = openSqliteSessionStore(path, box());
    await first.store.put(session('s1'));
    await first.store.put(session('s2', { owner: 'bob', createdAt: 2_000 }));
    await first.store.close();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const bytes = readFileSync(path);
    expect(bytes.includes(Buffer.from(SECRET))).toBe(false);
    expect(bytes.includes(Buffer.from('Bearer'))).toBe(false);

    const again = openSqliteSessionStore(path, box());
    expect(again.setAside).toBeUndefined();
    expect(await again.store.get('s1')).toEqual(
      session('s1', { expiresAt: (await again.store.get('s1'))!.expiresAt }),
    );
    expect((await again.store.list('alice')).map((s) => s.id)).toEqual(['s1']);
    expect(await again.store.delete('s1')).toBe(true);
    expect(await again.store.get('s1')).toBeUndefined();
    await again.store.close();
  });

  it('hides and sweeps expired sessions', async () => {
    const { store } = openSqliteSessionStore(path, box());
    await store.put(session('old', { expiresAt: Date.now() - 1 }));
    await store.put(session('new'));
    expect(await store.get('old')).toBeUndefined();
    expect(await store.sweep()).toBe(1);
    expect((await store.list('alice')).map((s) => s.id)).toEqual(['new']);
    await store.close();
  });

  it('does not open credentials with another key', async () => {
    const first = openSqliteSessionStore(path, box());
    await first.store.put(session('s1'));
    await first.store.close();
    const other = openSqliteSessionStore(path, createSecretBox(Buffer.alloc(32, 8)));
    await expect(other.store.get('s1')).rejects.toThrow();
    await other.store.close();
  });

  it('sets a corrupt file aside and reports it', async () => {
    writeFileSync(path, 'this is not a database, but it was somebody’s file'.repeat(100));
    const opened = openSqliteSessionStore(path, box());
    expect(opened.setAside).toMatch(/rest-sessions\.db\.corrupt-\d+$/);
    expect(readFileSync(opened.setAside!, 'utf8')).toContain('somebody’s file');
    await opened.store.put(session('s1'));
    expect(await opened.store.get('s1')).toBeDefined();
    await opened.store.close();
    expect(readdirSync(dir).filter((n) => n.includes('corrupt'))).toHaveLength(1);
  });

  it('migrates a version 1 database', async () => {
    const Driver = createRequire(import.meta.url)('better-sqlite3') as typeof import('better-sqlite3');
    const v1 = new Driver(path);
    v1.exec(`CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (1);
      CREATE TABLE sessions (id TEXT PRIMARY KEY, owner TEXT NOT NULL, servers TEXT NOT NULL, metadata TEXT NOT NULL,
        credentials BLOB NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);`);
    const sealed = box().seal(JSON.stringify({ alpha: { 'X-Api-Key': SECRET } }), 'v1-session');
    v1.prepare('INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?, ?)').run(
      'v1-session',
      'alice',
      '["alpha"]',
      '{}',
      sealed,
      5,
      Date.now() + 60_000,
    );
    v1.close();

    const opened = openSqliteSessionStore(path, box());
    expect(opened.migratedFrom).toBe(1);
    const migrated = await opened.store.get('v1-session');
    expect(migrated).toMatchObject({
      surface: 'flat',
      servers: ['alpha'],
      credentials: { alpha: { 'X-Api-Key': SECRET } },
    });
    await opened.store.close();
    const check = new Driver(path, { readonly: true });
    expect(check.prepare('SELECT version FROM schema_version').get()).toEqual({ version: SCHEMA_VERSION });
    check.close();
  });

  it('refuses a newer schema without setting the file aside', () => {
    const Driver = createRequire(import.meta.url)('better-sqlite3') as typeof import('better-sqlite3');
    const v9 = new Driver(path);
    v9.exec(
      'CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (99);',
    );
    v9.close();
    expect(() => openSqliteSessionStore(path, box())).toThrow(/newer/);
    expect(existsSync(path)).toBe(true);
  });
});

describe('session key', () => {
  it('reads 32 bytes as hex or base64 and refuses anything else', () => {
    expect(parseKey('ab'.repeat(32))).toHaveLength(32);
    expect(parseKey(Buffer.alloc(32, 1).toString('base64'))).toHaveLength(32);
    expect(() => parseKey('short')).toThrow(/32 bytes/);
  });

  it('creates a key file 0600 on first use and reads the same key after', () => {
    const file = join(dir, 'rest-sessions.key');
    const key = keyFromFile(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(keyFromFile(file).equals(key)).toBe(true);
  });
});
