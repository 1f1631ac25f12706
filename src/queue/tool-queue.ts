/**
 * @module tool-queue: tool calls queued in a Redis Stream, for job systems that do not hold an HTTP connection. The
 * replicas read the stream as one consumer group: each entry is delivered to one replica, which runs the call and
 * then, in one script, writes the result to the results stream under the entry's `id`, acknowledges the entry and
 * deletes it. An entry stays pending until then: a replica that dies mid-call leaves it idle, and another one claims it
 * (XAUTOCLAIM) once it has been idle for `claimAfterMs`. A replica keeps the entries it is still working on from going
 * idle (a heartbeat), so that a long call is not claimed and run twice.
 *
 * The blocking read (XREADGROUP … BLOCK) has a connection of its own, duplicated from the one the caller passes: a
 * blocked connection can send nothing else.
 */
import type { Logger } from '../log.js';
import { parseEntry, resultFields, type QueuedCall, type QueueOutcome } from './queued-call.js';
import { FINISH_SCRIPT, HEARTBEAT_SCRIPT } from './redis-scripts.js';
import { entryOf, streamEntries, type Entry } from './stream-replies.js';

/** What the queue uses of a connected node-redis client (`createClient()`): raw commands and a second connection. */
export interface QueueRedis {
  sendCommand(args: string[]): Promise<unknown>;
  duplicate(): BlockingRedis;
}

interface BlockingRedis {
  connect(): Promise<unknown>;
  sendCommand(args: string[]): Promise<unknown>;
  on(event: 'error', listener: (error: Error) => void): unknown;
  destroy(): void;
}

export interface ToolQueueOptions {
  /** A connected client; the queue duplicates it for its blocking reads and leaves this one open at stop. */
  redis: QueueRedis;
  /** Prefix of the streams' keys (`queueKeys`). */
  prefix: string;
  /** This replica's name in the consumer group: unique among the replicas (a pod's name, a host and pid). */
  consumerName: string;
  /** The consumer group every replica joins (default `mcp-gateway`). */
  group?: string;
  /** How long an entry must have been left idle before another replica takes it over (default 30 s). */
  claimAfterMs?: number;
  /** Calls this replica runs at once (default 8). */
  maxConcurrent?: number;
  /** Deliveries after which an entry is answered with an error instead of being run again (default 5). */
  maxDeliveries?: number;
  /** The results and dead-letter streams are trimmed to about this many entries (default 100,000). */
  maxResults?: number;
  /** At stop, how long calls under way may take to finish and write their results (default 10 s). */
  stopGraceMs?: number;
  /** Runs one call with the client's profile and the argument checks of gateway_invoke; throws only on a fault. */
  invoke(call: QueuedCall): Promise<QueueOutcome>;
  log: Logger;
}

export interface ToolQueue {
  /**
   * Stops reading, lets the calls under way finish for `stopGraceMs`, then gives up on the others without writing
   * their results: their entries stay pending, and another replica runs them after `claimAfterMs`.
   */
  stop(): Promise<void>;
}

export interface QueueKeys {
  /** Where callers add calls (XADD). */
  calls: string;
  /** Where results are written, one entry per call, with the call's `id`. */
  results: string;
  /** Entries that could not be answered (no `id`), with the reason. */
  dead: string;
}

export function queueKeys(prefix: string): QueueKeys {
  return { calls: `${prefix}tool-calls`, results: `${prefix}tool-results`, dead: `${prefix}tool-calls-dead` };
}

export async function startToolQueue(options: ToolQueueOptions): Promise<ToolQueue> {
  const { redis, consumerName: consumer, invoke, log } = options;
  const group = options.group ?? 'mcp-gateway';
  const claimAfterMs = options.claimAfterMs ?? 30_000;
  const maxConcurrent = options.maxConcurrent ?? 8;
  const maxDeliveries = options.maxDeliveries ?? 5;
  const maxResults = String(options.maxResults ?? 100_000);
  const stopGraceMs = options.stopGraceMs ?? 10_000;
  const keys = queueKeys(options.prefix);
  // Idle entries are looked for this often; a blocked read returns at least as often, so the loop gets to it.
  const claimEveryMs = Math.max(50, Math.floor(claimAfterMs / 4));
  const blockMs = Math.min(claimEveryMs, 2_000);

  await createGroup();
  const blocking = redis.duplicate();
  blocking.on('error', (error) => {
    if (!stopping) log.warn({ err: error.message }, 'tool queue: the blocking connection failed');
  });
  await blocking.connect();

  /** Entries under way, by stream entry id; `abandoned` once stop has given up waiting for them. */
  const inFlight = new Map<string, { abandoned: boolean }>();
  let stopping = false;
  let wake: (() => void) | undefined;
  let claimCursor = '0-0';
  let nextClaimAt = 0;
  const heartbeat = setInterval(() => void beat(), Math.max(20, Math.floor(claimAfterMs / 3)));
  heartbeat.unref();
  const loop = run();
  log.info({ consumer, group, stream: keys.calls }, 'tool queue: reading');

  async function createGroup(): Promise<void> {
    try {
      // From the stream's start: calls added before the first replica came up are run too.
      await redis.sendCommand(['XGROUP', 'CREATE', keys.calls, group, '0', 'MKSTREAM']);
    } catch (error) {
      if (!String((error as Error).message).includes('BUSYGROUP')) throw error;
    }
  }

  async function run(): Promise<void> {
    while (!stopping) {
      try {
        if (inFlight.size >= maxConcurrent) {
          await new Promise<void>((resolve) => (wake = resolve));
          continue;
        }
        if (Date.now() >= nextClaimAt) await claimIdle();
        const room = maxConcurrent - inFlight.size;
        if (room <= 0 || stopping) continue;
        const reply = await blocking.sendCommand([
          'XREADGROUP',
          'GROUP',
          group,
          consumer,
          'COUNT',
          String(room),
          'BLOCK',
          String(blockMs),
          'STREAMS',
          keys.calls,
          '>',
        ]);
        // Read after stop began: left pending, for another replica.
        if (!stopping) for (const entry of streamEntries(reply)) start(entry);
      } catch (error) {
        if (stopping) break;
        const message = (error as Error).message;
        log.warn({ err: message }, 'tool queue: reading the stream failed; trying again in 1 s');
        if (message.includes('NOGROUP')) await createGroup().catch(() => {});
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
  }

  /** Takes over entries left idle (a replica that died or stopped mid-call), as many as there is room for. */
  async function claimIdle(): Promise<void> {
    const room = maxConcurrent - inFlight.size;
    if (room <= 0) return;
    const reply = (await redis.sendCommand([
      'XAUTOCLAIM',
      keys.calls,
      group,
      consumer,
      String(claimAfterMs),
      claimCursor,
      'COUNT',
      String(room),
    ])) as [string, unknown[]];
    claimCursor = reply[0];
    // Through the whole pending list: wait before the next look; otherwise go on from the cursor at once.
    nextClaimAt = claimCursor === '0-0' ? Date.now() + claimEveryMs : 0;
    for (const raw of reply[1]) {
      const entry = entryOf(raw);
      if (!entry || inFlight.has(entry.id)) continue;
      const deliveries = await deliveriesOf(entry.id);
      log.info({ entry: entry.id, deliveries }, 'tool queue: claimed an idle call');
      if (deliveries > maxDeliveries) {
        const id = entry.fields.id || entry.id;
        const message = `the call was taken ${deliveries - 1} times without an answer (its replicas stopped or failed)`;
        track(
          entry.id,
          finish(entry.id, keys.results, outcomeFields(id, entry.id, 'too_many_deliveries', message)),
        );
      } else start(entry);
    }
  }

  async function deliveriesOf(id: string): Promise<number> {
    const reply = (await redis.sendCommand(['XPENDING', keys.calls, group, id, id, '1'])) as unknown[][];
    return Number(reply[0]?.[3] ?? 1);
  }

  function start(entry: Entry): void {
    const parsed = parseEntry(entry.fields);
    if (!parsed.ok) {
      log.warn({ entry: entry.id, err: parsed.message }, 'tool queue: a malformed entry');
      const fields =
        parsed.id === undefined
          ? ['entry', entry.id, 'reason', parsed.message, 'fields', JSON.stringify(entry.fields)]
          : outcomeFields(parsed.id, entry.id, 'invalid_request', parsed.message);
      track(entry.id, finish(entry.id, parsed.id === undefined ? keys.dead : keys.results, fields));
      return;
    }
    const state = { abandoned: false };
    const task = (async () => {
      let outcome: QueueOutcome;
      try {
        outcome = await invoke(parsed.call);
      } catch (error) {
        // A fault, not an answer: the entry stays pending and is run again elsewhere, up to maxDeliveries times.
        log.error(
          { entry: entry.id, id: parsed.call.id, err: (error as Error).message },
          'tool queue: call failed',
        );
        return;
      }
      if (!state.abandoned)
        await finish(entry.id, keys.results, resultFields(parsed.call.id, outcome, consumer, entry.id));
    })();
    track(entry.id, task, state);
  }

  function outcomeFields(id: string, entryId: string, code: string, message: string): string[] {
    return resultFields(id, { ok: false, code, message }, consumer, entryId);
  }

  function track(id: string, task: Promise<unknown>, state = { abandoned: false }): void {
    inFlight.set(id, state);
    void task
      .catch((error: Error) =>
        log.error({ entry: id, err: error.message }, 'tool queue: writing the result failed'),
      )
      .finally(() => {
        inFlight.delete(id);
        wake?.();
        wake = undefined;
      });
  }

  /** Writes the fields to `stream`, then acknowledges and deletes the entry, if this consumer still holds it. */
  async function finish(entryId: string, stream: string, fields: string[]): Promise<void> {
    const written = await redis.sendCommand([
      'EVAL',
      FINISH_SCRIPT,
      '2',
      keys.calls,
      stream,
      group,
      consumer,
      entryId,
      maxResults,
      ...fields,
    ]);
    if (Number(written) !== 1)
      log.warn(
        { entry: entryId },
        'tool queue: another replica had taken the call over; its result is not written',
      );
  }

  async function beat(): Promise<void> {
    const ids = [...inFlight].filter(([, state]) => !state.abandoned).map(([id]) => id);
    if (ids.length === 0) return;
    try {
      await redis.sendCommand(['EVAL', HEARTBEAT_SCRIPT, '1', keys.calls, group, consumer, ...ids]);
    } catch (error) {
      log.warn({ err: (error as Error).message }, 'tool queue: heartbeat failed');
    }
  }

  /** A consumer that holds nothing leaves the group, so that replicas come and go without a trail of names. */
  async function leaveGroup(): Promise<void> {
    try {
      const held = (await redis.sendCommand([
        'XPENDING',
        keys.calls,
        group,
        '-',
        '+',
        '1',
        consumer,
      ])) as unknown[];
      if (held.length === 0) await redis.sendCommand(['XGROUP', 'DELCONSUMER', keys.calls, group, consumer]);
    } catch (error) {
      log.warn({ err: (error as Error).message }, 'tool queue: leaving the consumer group failed');
    }
  }

  let stopped: Promise<void> | undefined;
  return {
    stop() {
      stopped ??= (async () => {
        stopping = true;
        // Ends a blocked read at once; what it might have delivered stays pending for another replica.
        blocking.destroy();
        wake?.();
        await loop;
        const deadline = Date.now() + stopGraceMs;
        while (inFlight.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        for (const state of inFlight.values()) state.abandoned = true;
        clearInterval(heartbeat);
        if (inFlight.size > 0)
          log.warn({ calls: inFlight.size }, 'tool queue: calls left pending at stop, for another replica');
        else await leaveGroup();
        log.info({ consumer }, 'tool queue: stopped');
      })();
      return stopped;
    },
  };
}
