/**
 * @module media-type: the two content-negotiation checks of Streamable HTTP, in one place for the gateway's server
 * side (requests it takes) and its client side (answers backends give).
 */

/** A Content-Type's media type without parameters, lower-cased: `application/json; charset=utf-8` → `application/json`. */
export function mediaType(header: string | undefined): string {
  // What nearly every MCP request carries, answered without taking it apart.
  if (header === 'application/json') return header;
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

/** An Accept header that lists both forms an MCP POST may be answered in (a list, so a substring check will do). */
export function acceptsJsonAndSse(header: string | undefined): boolean {
  const accept = header ?? '';
  return accept.includes('application/json') && accept.includes('text/event-stream');
}
