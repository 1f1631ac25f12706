/**
 * @module stream-replies: stream entries out of raw replies (the queue sends raw commands, so that any node-redis
 * client fits it, whatever its RESP version and type mapping).
 */

export interface Entry {
  id: string;
  fields: Record<string, string>;
}

/** The entries of an XREADGROUP reply, whether the connection speaks RESP2 (arrays) or RESP3 (a map). */
export function streamEntries(reply: unknown): Entry[] {
  if (reply === null || reply === undefined) return [];
  const streams: unknown[] = Array.isArray(reply)
    ? reply.map((s) => (s as unknown[])[1])
    : reply instanceof Map
      ? [...reply.values()]
      : Object.values(reply as Record<string, unknown>);
  return streams.flatMap((messages) => (messages as unknown[]).map(entryOf).filter((e) => e !== undefined));
}

/** `[id, [field, value, …]]`; null for an entry deleted while pending. */
export function entryOf(raw: unknown): Entry | undefined {
  if (!Array.isArray(raw) || typeof raw[0] !== 'string' || !Array.isArray(raw[1])) return undefined;
  const list = raw[1] as unknown[];
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < list.length; i += 2) fields[String(list[i])] = String(list[i + 1]);
  return { id: raw[0], fields };
}
