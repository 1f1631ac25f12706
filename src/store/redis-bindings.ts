/**
 * @module redis-bindings: client session bindings in Redis (session/session-bindings.ts describes them). One key per
 * session (`<prefix>session:<id>`, JSON, expiring after the idle timeout, renewed by use), and two sorted sets of
 * session ids scored by their expiry, for the counts: every session, and each owner's (`<prefix>sessions:owner:<owner>`).
 * An explicit end is announced on `<prefix>sessions:ended`.
 */
import type { RedisState } from './redis-state.js';

export interface StoredBinding {
  endpoint: string;
  owner?: string | undefined;
  init: unknown;
  movable: boolean;
  backend?: unknown;
}

/** The owner of sessions opened without authentication, in the per-owner set. */
const ANONYMOUS = '\0';

export function redisBindings(state: RedisState, idleTtlMs: number) {
  const sessionKey = (id: string) => state.key(`session:${id}`);
  const allKey = state.key('sessions:all');
  const ownerKey = (owner: string | undefined) => state.key(`sessions:owner:${owner ?? ANONYMOUS}`);
  const endedListeners: Array<(id: string) => void> = [];
  void state.subscribe('sessions:ended', (id) => {
    for (const listener of endedListeners) listener(id);
  });

  return {
    async put(id: string, binding: StoredBinding): Promise<boolean> {
      const expires = Date.now() + idleTtlMs;
      const done = await state.attempt((c) =>
        c
          .multi()
          .set(sessionKey(id), JSON.stringify(binding), { expiration: { type: 'PX', value: idleTtlMs } })
          .zAdd(allKey, { score: expires, value: id })
          .zAdd(ownerKey(binding.owner), { score: expires, value: id })
          .exec(),
      );
      return done !== undefined;
    },
    async get(id: string): Promise<StoredBinding | undefined> {
      const text = await state.attempt((c) => c.getEx(sessionKey(id), { type: 'PX', value: idleTtlMs }));
      if (typeof text !== 'string') return undefined;
      try {
        const binding = JSON.parse(text) as StoredBinding;
        if (typeof binding.endpoint !== 'string') return undefined;
        const expires = Date.now() + idleTtlMs;
        void state.attempt((c) =>
          c
            .multi()
            .zAdd(allKey, { score: expires, value: id }, { XX: true })
            .zAdd(ownerKey(binding.owner), { score: expires, value: id }, { XX: true })
            .exec(),
        );
        return binding;
      } catch {
        return undefined;
      }
    },
    async touch(sessions: ReadonlyArray<{ id: string; owner?: string | undefined }>): Promise<void> {
      if (sessions.length === 0) return;
      const expires = Date.now() + idleTtlMs;
      await state.attempt(async (c) => {
        const batch = c.multi();
        for (const { id, owner } of sessions) {
          batch.pExpire(sessionKey(id), idleTtlMs);
          batch.zAdd(allKey, { score: expires, value: id }, { XX: true });
          batch.zAdd(ownerKey(owner), { score: expires, value: id }, { XX: true });
        }
        return batch.exec();
      });
    },
    async remainingMs(id: string): Promise<number | undefined> {
      const left = await state.attempt((c) => c.pTTL(sessionKey(id)));
      return left === undefined || left < 0 ? undefined : left;
    },
    async delete(id: string): Promise<void> {
      await state.attempt(async (c) => {
        const text = await c.get(sessionKey(id));
        let owner: string | undefined;
        try {
          owner = text ? (JSON.parse(text) as StoredBinding).owner : undefined;
        } catch {
          owner = undefined;
        }
        return c.multi().del(sessionKey(id)).zRem(allKey, id).zRem(ownerKey(owner), id).exec();
      });
      await state.publish('sessions:ended', id);
    },
    onEnded(listener: (id: string) => void): void {
      endedListeners.push(listener);
    },
    async count(owner?: string): Promise<{ all: number; owner: number } | undefined> {
      const now = Date.now();
      const replies = await state.attempt((c) =>
        c
          .multi()
          .zRemRangeByScore(allKey, '-inf', now)
          .zRemRangeByScore(ownerKey(owner), '-inf', now)
          .zCard(allKey)
          .zCard(ownerKey(owner))
          .exec(),
      );
      if (!replies) return undefined;
      return { all: Number(replies[2]), owner: Number(replies[3]) };
    },
  };
}
