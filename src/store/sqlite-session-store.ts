/**
 * @module sqlite-session-store: the session store on a SQLite file of the state directory (0600). The schema carries
 * its version in `schema_version`; a file of an older version is migrated in one transaction, step by step. A file
 * that is not a readable database of ours is set aside (renamed `<name>.corrupt-<time>`) and reported, never emptied
 * in place: what it held may still be wanted. Credentials are sealed (secret-box.ts) with the session id as context.
 * better-sqlite3 is loaded on first use, so that a gateway without REST sessions never loads the native module.
 */
import { chmodSync, closeSync, existsSync, openSync, renameSync } from 'node:fs';
import type BetterSqlite3 from 'better-sqlite3';
import type { SecretBox } from './secret-box.js';
import type { SessionStore, StoredSession } from './session-store.js';
import { requiredOnUse } from '../required-on-use.js';

export const SESSIONS_DB_FILE = 'rest-sessions.db';
export const SCHEMA_VERSION = 2;

/**
 * Each step takes the schema from version `i + 1` to `i + 2`. Version 1 had no `surface` (every session was flat).
 */
const MIGRATIONS: readonly string[] = [
  "ALTER TABLE sessions ADD COLUMN surface TEXT NOT NULL DEFAULT 'flat'",
];

const CREATE = `
  CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    servers TEXT NOT NULL,
    surface TEXT NOT NULL DEFAULT 'flat',
    metadata TEXT NOT NULL,
    credentials BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  );
  CREATE INDEX sessions_owner ON sessions (owner, created_at);
  CREATE INDEX sessions_expiry ON sessions (expires_at);
`;

export interface OpenedSessionStore {
  store: SessionStore;
  /** Set when the file was unreadable and has been renamed to this path; a new, empty one took its place. */
  setAside?: string;
  /** Set when the file was migrated from this version. */
  migratedFrom?: number;
}

interface Row {
  id: string;
  owner: string;
  servers: string;
  surface: string;
  metadata: string;
  credentials: Buffer;
  created_at: number;
  expires_at: number;
}

type Database = BetterSqlite3.Database;

export class NewerSchemaError extends Error {}

const loadDriver = requiredOnUse<typeof BetterSqlite3>('better-sqlite3');

export function openSqliteSessionStore(
  path: string,
  box: SecretBox,
  now: () => number = Date.now,
): OpenedSessionStore {
  const Driver = loadDriver();
  let setAside: string | undefined;
  let opened: { db: Database; migratedFrom?: number };
  try {
    opened = openDatabase(Driver, path);
  } catch (error) {
    // A newer gateway's file is not corrupt: refuse to start rather than set it aside.
    if (!existsSync(path) || error instanceof NewerSchemaError) throw error;
    setAside = `${path}.corrupt-${now()}`;
    renameSync(path, setAside);
    opened = openDatabase(Driver, path);
  }
  const { db } = opened;
  const insert = db.prepare(
    `INSERT OR REPLACE INTO sessions (id, owner, servers, surface, metadata, credentials, created_at, expires_at)
     VALUES (@id, @owner, @servers, @surface, @metadata, @credentials, @created_at, @expires_at)`,
  );
  const byId = db.prepare('SELECT * FROM sessions WHERE id = ? AND expires_at > ?');
  const byOwner = db.prepare(
    'SELECT * FROM sessions WHERE owner = ? AND expires_at > ? ORDER BY created_at, id',
  );
  const remove = db.prepare('DELETE FROM sessions WHERE id = ?');
  const expired = db.prepare('DELETE FROM sessions WHERE expires_at <= ?');

  const fromRow = (row: Row): StoredSession => ({
    id: row.id,
    owner: row.owner,
    servers: JSON.parse(row.servers) as string[],
    surface: row.surface === 'meta' ? 'meta' : 'flat',
    credentials: JSON.parse(box.open(row.credentials, row.id)) as StoredSession['credentials'],
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  });

  const store: SessionStore = {
    async put(s) {
      insert.run({
        id: s.id,
        owner: s.owner,
        servers: JSON.stringify(s.servers),
        surface: s.surface,
        metadata: JSON.stringify(s.metadata),
        credentials: box.seal(JSON.stringify(s.credentials), s.id),
        created_at: s.createdAt,
        expires_at: s.expiresAt,
      });
    },
    async get(id) {
      const row = byId.get(id, now()) as Row | undefined;
      return row && fromRow(row);
    },
    async list(owner) {
      return (byOwner.all(owner, now()) as Row[]).map(fromRow);
    },
    async delete(id) {
      return remove.run(id).changes > 0;
    },
    async sweep(at = now()) {
      return expired.run(at).changes;
    },
    async close() {
      if (db.open) db.close();
    },
  };
  return {
    store,
    ...(setAside !== undefined ? { setAside } : {}),
    ...(opened.migratedFrom !== undefined ? { migratedFrom: opened.migratedFrom } : {}),
  };
}

function openDatabase(Driver: typeof BetterSqlite3, path: string): { db: Database; migratedFrom?: number } {
  // Created 0600 before SQLite opens it: SQLite would create it with the umask's mode (its journal copies the mode).
  if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600));
  chmodSync(path, 0o600);
  const db = new Driver(path);
  try {
    // Reading the schema is what fails on a file that is not a database.
    const quick = db.pragma('quick_check', { simple: true });
    if (quick !== 'ok') throw new Error(`the database fails its check: ${String(quick)}`);
    const tables = new Set(
      (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map(
        (t) => t.name,
      ),
    );
    if (!tables.has('schema_version')) {
      if (tables.size > 0) throw new Error('the database is not a session store (no schema_version table)');
      db.exec(`BEGIN; CREATE TABLE schema_version (version INTEGER NOT NULL); ${CREATE}
        INSERT INTO schema_version (version) VALUES (${SCHEMA_VERSION}); COMMIT;`);
      return { db };
    }
    const row = db.prepare('SELECT version FROM schema_version').get() as { version: number } | undefined;
    const version = row?.version;
    if (version === undefined || !Number.isInteger(version) || version < 1)
      throw new Error('the database has no schema version');
    if (version > SCHEMA_VERSION)
      throw new NewerSchemaError(
        `${path} is of schema version ${version}, newer than this gateway's ${SCHEMA_VERSION}`,
      );
    if (version === SCHEMA_VERSION) return { db };
    db.transaction(() => {
      for (let v = version; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v - 1]!);
      db.prepare('UPDATE schema_version SET version = ?').run(SCHEMA_VERSION);
    })();
    return { db, migratedFrom: version };
  } catch (error) {
    db.close();
    throw error;
  }
}
