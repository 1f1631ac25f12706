/**
 * @module redis-state: the Redis connection replicas share their state through (`state: { store: redis }`). One
 * connection for commands and a second one, made with `duplicate()`, for pub/sub (a subscribed connection can send
 * nothing else). Both reconnect on their own with a capped backoff; a command that finds Redis away fails at once
 * (no offline queue) or after the command timeout, so that a caller falls back to its own state instead of waiting.
 * Every command goes through `run`, which times it, counts it and keeps the connection's health for /health and
 * /metrics. Pub/sub loses messages (at most once, none while disconnected): listeners are told of every reconnect,
 * and the stores built on it check a version key besides. The client library is loaded by `connect()`: a gateway with
 * the embedded state never loads it.
 */
import type { RedisClientType } from 'redis';
import type { Logger } from '../log.js';

export interface RedisStateOptions {
  url: string;
  /** Every key name begins with it. */
  prefix: string;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
}

export interface StoreStatus {
  store: 'redis';
  /** Whether the last command succeeded and the command connection is ready. */
  up: boolean;
  /** Since when it is down (ISO time), while it is. */
  down_since?: string | undefined;
  last_error?: string | undefined;
  /** The mean duration of the last commands, in milliseconds. */
  latency_ms: number;
}

export type Redis = RedisClientType;

export interface RedisState {
  /** The prefixed key name. */
  key(name: string): string;
  /** Runs commands on the command connection: timed and counted; throws when Redis is away or too slow. */
  run<T>(operation: (client: Redis) => Promise<T>): Promise<T>;
  /** As `run`, but a failure resolves undefined (already logged once and reported by /health). */
  attempt<T>(operation: (client: Redis) => Promise<T>): Promise<T | undefined>;
  /** Publishes on a prefixed channel; a failure is only counted (the listeners' version check catches up). */
  publish(channel: string, message: string): Promise<void>;
  /** Listens on a prefixed channel. */
  subscribe(channel: string, listener: (message: string) => void): Promise<void>;
  /** Called each time the command connection comes back after being down (messages may have been lost). */
  onRecover(listener: () => void): void;
  readonly up: boolean;
  status(): StoreStatus;
  /** Each command's outcome, for /metrics. */
  observe: ((seconds: number, ok: boolean) => void) | undefined;
  /**
   * A connection of its own for a caller that blocks (a stream read): the command connection's settings without its
   * command timeout, which a blocked read would exceed. Not connected; the caller connects and closes it.
   */
  blockingConnection(): Redis;
  /** Connects both connections; resolves even when Redis is away (they keep trying). */
  connect(): Promise<void>;
  close(): Promise<void>;
}

/** Reconnect after 50 ms, doubling to at most 1 s: a restarted Redis is found again within a second. */
function reconnectDelay(retries: number): number {
  return Math.min(50 * 2 ** Math.min(retries, 5), 1_000);
}

const LATENCY_WINDOW = 64;

export function createRedisState(options: RedisStateOptions, log: Logger): RedisState {
  // Both made by connect(); until then every command fails as it does while Redis is away.
  let client: Redis | undefined;
  let subscriber: Redis | undefined;
  /** Subscriptions asked for before connect(), made once the subscriber exists. */
  const early: Array<[string, (message: string) => void]> = [];
  const recoverListeners: Array<() => void> = [];
  const latencies: number[] = [];
  let up = false;
  let downSince: number | undefined = Date.now();
  let lastError: string | undefined;
  let closed = false;

  function markUp(): void {
    if (up) return;
    const wasDown = downSince !== undefined;
    up = true;
    downSince = undefined;
    lastError = undefined;
    log.info('state store: redis reachable');
    if (wasDown) for (const listener of recoverListeners) listener();
  }

  function markDown(error: unknown): void {
    lastError = error instanceof Error ? error.message : String(error);
    if (!up) return;
    up = false;
    downSince = Date.now();
    log.error({ err: lastError }, 'state store: redis unreachable; serving from this replica’s own state');
  }

  async function createClients(): Promise<{ client: Redis; subscriber: Redis }> {
    const { createClient } = await import('redis');
    const commands = createClient({
      url: options.url,
      socket: { connectTimeout: options.connectTimeoutMs, reconnectStrategy: reconnectDelay },
      disableOfflineQueue: true,
      commandOptions: { timeout: options.commandTimeoutMs, rejectInFlight: true },
    }) as unknown as Redis;
    const pubsub = commands.duplicate();
    commands.on('error', (error: unknown) => markDown(error));
    commands.on('ready', () => {
      // The first ready is the connect itself; later ones are recoveries. Either way the state is checked by a PING.
      void state.attempt((c) => c.ping());
    });
    // The subscriber's errors are the same outage seen twice; only the command connection decides health.
    pubsub.on('error', () => {});
    pubsub.on('ready', () => {
      // A subscriber that reconnects resubscribes by itself, having missed what was published meanwhile.
      if (up) for (const listener of recoverListeners) listener();
    });
    return { client: commands, subscriber: pubsub };
  }

  function subscribeOn(
    connection: Redis,
    channel: string,
    listener: (message: string) => void,
  ): Promise<void> {
    return connection.subscribe(state.key(channel), listener).catch((error: unknown) => {
      // Resubscribed on the next connect: node-redis keeps the subscriptions it was asked for.
      log.warn({ err: String(error) }, 'state store: subscribe failed; retried on reconnect');
    });
  }

  const state: RedisState = {
    observe: undefined,
    key: (name) => `${options.prefix}${name}`,
    get up() {
      return up;
    },
    async run(operation) {
      const started = performance.now();
      try {
        if (!client?.isReady) throw new Error('redis is not connected');
        const result = await operation(client);
        const seconds = (performance.now() - started) / 1000;
        latencies.push(seconds * 1000);
        if (latencies.length > LATENCY_WINDOW) latencies.shift();
        state.observe?.(seconds, true);
        markUp();
        return result;
      } catch (error) {
        state.observe?.((performance.now() - started) / 1000, false);
        if (!closed) markDown(error);
        throw error;
      }
    },
    async attempt(operation) {
      try {
        return await state.run(operation);
      } catch {
        return undefined;
      }
    },
    async publish(channel, message) {
      await state.attempt((c) => c.publish(state.key(channel), message));
    },
    async subscribe(channel, listener) {
      if (subscriber) await subscribeOn(subscriber, channel, listener);
      else early.push([channel, listener]);
    },
    onRecover(listener) {
      recoverListeners.push(listener);
    },
    status() {
      const latency = latencies.length ? latencies.reduce((a, b) => a + b, 0) / latencies.length : 0;
      return {
        store: 'redis',
        up,
        ...(downSince !== undefined ? { down_since: new Date(downSince).toISOString() } : {}),
        ...(lastError !== undefined && !up ? { last_error: lastError } : {}),
        latency_ms: Math.round(latency * 100) / 100,
      };
    },
    blockingConnection() {
      if (!client) throw new Error('redis is not connected');
      return client.duplicate({ commandOptions: { rejectInFlight: true } });
    },
    async connect() {
      ({ client, subscriber } = await createClients());
      const pubsub = subscriber;
      // Neither connect waits past its timeout: a gateway starts with Redis away, and catches up once it returns.
      const connecting = [client.connect(), subscriber.connect()].map((p) =>
        (p as Promise<unknown>).catch((error: unknown) => markDown(error)),
      );
      await Promise.race([
        Promise.all(connecting),
        new Promise((resolve) => setTimeout(resolve, options.connectTimeoutMs).unref()),
      ]);
      for (const [channel, listener] of early.splice(0)) void subscribeOn(pubsub, channel, listener);
      if (client.isReady) await state.attempt((c) => c.ping());
      else log.error({ err: lastError }, 'state store: redis unreachable at start; will keep trying');
    },
    async close() {
      closed = true;
      for (const c of [subscriber, client]) {
        try {
          if (c?.isOpen) c.destroy();
        } catch {
          // Already closed.
        }
      }
    },
  };
  return state;
}
