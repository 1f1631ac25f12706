/**
 * @module rest-session-store: which store keeps the REST sessions. The SQLite file in the state directory, its
 * credentials sealed with `rest_sessions.key` (or a key file made there on first use); with Redis and a key given to
 * every replica, Redis in front of that file. Without a configured key the sessions stay per replica: a key file of
 * one replica's state directory opens nothing sealed on another, and a key kept in Redis beside the credentials would
 * protect nothing.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import type { RedisState } from './redis-state.js';
import { redisSessionStore } from './redis-session-store.js';
import { createSecretBox, keyFromFile, parseKey } from './secret-box.js';
import type { SessionStore } from './session-store.js';
import { openSqliteSessionStore, SESSIONS_DB_FILE } from './sqlite-session-store.js';

/** In the state directory: the key REST sessions' credentials are sealed with, when the config gives none. */
const REST_SESSIONS_KEY_FILE = 'rest-sessions.key';

export interface RestStoreOptions {
  stateDir: string;
  /** `rest_sessions.key`: 64 hex or 44 base64 characters. */
  key: string | undefined;
  /** The replicas' shared state (`state.store: redis`). */
  state: RedisState | undefined;
  log: Logger;
}

/**
 * Whether the state directory has a REST sessions database: one that has none holds no session, and need not load
 * the SQLite driver (a native module) before a client asks for a session.
 */
export function restSessionsStored(stateDir: string): boolean {
  return existsSync(join(stateDir, SESSIONS_DB_FILE));
}

export function openRestSessionStore({ stateDir, key, state, log }: RestStoreOptions): SessionStore {
  const box = createSecretBox(
    key !== undefined ? parseKey(key) : keyFromFile(join(stateDir, REST_SESSIONS_KEY_FILE)),
  );
  const opened = openSqliteSessionStore(join(stateDir, SESSIONS_DB_FILE), box);
  if (opened.setAside)
    log.error(
      { set_aside: opened.setAside },
      'rest sessions: the database was unreadable; set aside, a new one started',
    );
  if (opened.migratedFrom !== undefined)
    log.info({ from: opened.migratedFrom }, 'rest sessions: database migrated');
  if (!state) return opened.store;
  if (key === undefined) {
    log.warn(
      'rest sessions: kept per replica; set rest_sessions.key (the same on every replica) to share them',
    );
    return opened.store;
  }
  return redisSessionStore(state, box, opened.store);
}
