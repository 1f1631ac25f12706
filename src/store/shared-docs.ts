/**
 * @module shared-docs: JSON documents that replicas share, each under a name, each with a version that grows with
 * every write (`<prefix><kind>:<name>` holds `{ version, value }`; `<prefix><kind>:v:<name>` the version alone, so
 * that a check reads numbers, not documents). A write is announced on the kind's channel as `<version> <name>`;
 * because pub/sub may lose a message, a reader also compares versions now and then (`versions`). A short lock per
 * name (SET NX PX) lets one replica do a piece of work (read a backend) while the others wait for its result. Every
 * method resolves undefined (or false) when Redis does not answer: the caller goes on with its own state.
 */
import type { RedisState } from './redis-state.js';

export interface VersionedDoc {
  version: number;
  value: unknown;
}

export interface SharedDocs {
  get(name: string): Promise<VersionedDoc | undefined>;
  /** Writes a new version of the document and announces it; resolves with the version, undefined if not written. */
  put(name: string, value: unknown): Promise<number | undefined>;
  /** Current versions of the named documents (0: none); undefined when Redis does not answer. */
  versions(names: readonly string[]): Promise<number[] | undefined>;
  /** True when this replica holds the name's lock now; false when another does; undefined when Redis is away. */
  lock(name: string, ttlMs: number): Promise<boolean | undefined>;
  unlock(name: string): Promise<void>;
  /** Told of every announced write (`name`, `version`); some are lost. */
  onChange(listener: (name: string, version: number) => void): void;
  /** Redis came back after being away: announcements may have been missed, versions must be compared. */
  onRecover(listener: () => void): void;
}

const PUT_SCRIPT = `local v = redis.call('INCR', KEYS[1])
redis.call('SET', KEYS[2], '{"version":' .. v .. ',"value":' .. ARGV[1] .. '}')
return v`;

export function sharedDocs(state: RedisState, kind: string, owner: string): SharedDocs {
  const docKey = (name: string) => state.key(`${kind}:${name}`);
  const versionKey = (name: string) => state.key(`${kind}:v:${name}`);
  const lockKey = (name: string) => state.key(`${kind}:lock:${name}`);
  const channel = `${kind}:changed`;
  const listeners: Array<(name: string, version: number) => void> = [];
  void state.subscribe(channel, (message) => {
    const space = message.indexOf(' ');
    const version = Number(message.slice(0, space));
    const name = message.slice(space + 1);
    if (space > 0 && Number.isSafeInteger(version)) for (const listener of listeners) listener(name, version);
  });

  return {
    async get(name) {
      const text = await state.attempt((c) => c.get(docKey(name)));
      if (typeof text !== 'string') return undefined;
      try {
        const doc = JSON.parse(text) as VersionedDoc;
        return typeof doc.version === 'number' ? doc : undefined;
      } catch {
        return undefined;
      }
    },
    async put(name, value) {
      // One script, so that two writers never leave a document under the other's version.
      const version = await state.attempt(
        async (c) =>
          (await c.eval(PUT_SCRIPT, {
            keys: [versionKey(name), docKey(name)],
            arguments: [JSON.stringify(value)],
          })) as number,
      );
      if (version !== undefined) await state.publish(channel, `${version} ${name}`);
      return version;
    },
    async versions(names) {
      if (names.length === 0) return [];
      const values = await state.attempt((c) => c.mGet(names.map(versionKey)));
      return values?.map((v) => (v === null ? 0 : Number(v)));
    },
    async lock(name, ttlMs) {
      const taken = await state.attempt((c) =>
        c.set(lockKey(name), owner, { condition: 'NX', expiration: { type: 'PX', value: ttlMs } }),
      );
      if (taken === undefined) return undefined;
      return taken === 'OK';
    },
    async unlock(name) {
      // Only our own lock: one that expired and was taken by another replica is theirs.
      await state.attempt(async (c) => {
        if ((await c.get(lockKey(name))) === owner) await c.del(lockKey(name));
      });
    },
    onChange(listener) {
      listeners.push(listener);
    },
    onRecover(listener) {
      state.onRecover(listener);
    },
  };
}
