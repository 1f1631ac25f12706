/**
 * @module redis-session-store: REST sessions in Redis, so that a session created on one replica is used on any
 * (`state.store: redis`). One key per session (`<prefix>rest:<id>`, expiring with the session) and a sorted set of
 * each owner's session ids by expiry (`<prefix>rest:owner:<owner>`). Credentials are sealed with the session id as
 * context (secret-box.ts) before they leave the process, with the key of `rest_sessions.key`, which every replica
 * is given and Redis never holds: whoever reads Redis reads no credential. While Redis does not answer, sessions are
 * created and read in this replica's own store (`fallback`, the SQLite file), which is consulted after Redis too,
 * so that they stay usable here once Redis is back.
 */
import type { RedisState } from './redis-state.js';
import type { SecretBox } from './secret-box.js';
import type { SessionStore, StoredSession } from './session-store.js';

type Row = Omit<StoredSession, 'credentials'> & { credentials: string };

export function redisSessionStore(state: RedisState, box: SecretBox, fallback: SessionStore): SessionStore {
  const sessionKey = (id: string) => state.key(`rest:${id}`);
  const ownerKey = (owner: string) => state.key(`rest:owner:${owner}`);

  const toRow = (s: StoredSession): Row => ({
    ...s,
    credentials: box.seal(JSON.stringify(s.credentials), s.id).toString('base64'),
  });
  const fromRow = (text: string | null): StoredSession | undefined => {
    if (text === null) return undefined;
    try {
      const row = JSON.parse(text) as Row;
      const credentials = JSON.parse(
        box.open(Buffer.from(row.credentials, 'base64'), row.id),
      ) as StoredSession['credentials'];
      return { ...row, credentials };
    } catch {
      // Sealed with another key, or not ours: unknown rather than an error for the caller.
      return undefined;
    }
  };

  return {
    async put(session) {
      const row = JSON.stringify(toRow(session));
      const done = await state.attempt((c) =>
        c
          .multi()
          .set(sessionKey(session.id), row, { expiration: { type: 'PXAT', value: session.expiresAt } })
          .zAdd(ownerKey(session.owner), { score: session.expiresAt, value: session.id })
          .exec(),
      );
      if (done === undefined) await fallback.put(session);
    },
    async get(id) {
      const text = await state.attempt((c) => c.get(sessionKey(id)));
      const found = text === undefined ? undefined : fromRow(text);
      if (found && found.expiresAt > Date.now()) return found;
      return fallback.get(id);
    },
    async list(owner) {
      const now = Date.now();
      const texts = await state.attempt(async (c) => {
        await c.zRemRangeByScore(ownerKey(owner), '-inf', now);
        const ids = await c.zRange(ownerKey(owner), 0, -1);
        return ids.length ? c.mGet(ids.map(sessionKey)) : [];
      });
      const shared = (texts ?? []).map(fromRow).filter((s): s is StoredSession => s !== undefined);
      const local = await fallback.list(owner);
      const known = new Set(shared.map((s) => s.id));
      return [...shared.filter((s) => s.expiresAt > now), ...local.filter((s) => !known.has(s.id))].sort(
        (a, b) => a.createdAt - b.createdAt,
      );
    },
    async delete(id) {
      const removed = await state.attempt(async (c) => {
        const found = fromRow(await c.get(sessionKey(id)));
        if (!found) return false;
        await c.multi().del(sessionKey(id)).zRem(ownerKey(found.owner), id).exec();
        return true;
      });
      const local = await fallback.delete(id);
      return removed === true || local;
    },
    async sweep(now) {
      // Redis expires its keys itself; the owners' sets are trimmed as they are listed.
      return fallback.sweep(now);
    },
    async close() {
      await fallback.close();
    },
  };
}
