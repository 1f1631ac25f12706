/**
 * @module id-table: entries by JSON-RPC id (a number or a string) for the tables that gain and lose an entry on every
 * call (calls in flight). Not a Map: V8 gives a Map a new backing table as entries come and go and links the old
 * table to the new one; once a Map is old enough to live in the old generation, that link keeps every newer table,
 * and the calls still in them, alive through young collections until a full one. An object in dictionary mode keeps
 * no such link.
 */
import type { RequestId } from '@modelcontextprotocol/sdk/types.js';

export class IdTable<V> {
  private entries: Record<string | number, V> = Object.create(null) as Record<string | number, V>;
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(id: RequestId): V | undefined {
    return this.entries[keyOf(id)];
  }

  has(id: RequestId): boolean {
    return keyOf(id) in this.entries;
  }

  set(id: RequestId, value: V): void {
    const key = keyOf(id);
    if (!(key in this.entries)) this.count++;
    this.entries[key] = value;
  }

  delete(id: RequestId): boolean {
    const key = keyOf(id);
    if (!(key in this.entries)) return false;
    delete this.entries[key];
    this.count--;
    return true;
  }

  /** A copy: entries may be deleted while it is walked. */
  values(): V[] {
    return Object.values(this.entries);
  }

  clear(): void {
    this.entries = Object.create(null) as Record<string | number, V>;
    this.count = 0;
  }
}

/** Ids 1 and "1" are different requests: a string id gets a prefix no number's property name has. */
function keyOf(id: RequestId): string | number {
  return typeof id === 'number' ? id : `'${id}`;
}
