/**
 * @module id-table: entries by JSON-RPC id (a number or a string) for the tables that gain and lose an entry on every
 * call (calls in flight). Not a Map: V8 gives a Map a new backing table as entries come and go and links the old
 * table to the new one; once a Map is old enough to live in the old generation, that link keeps every newer table,
 * and the calls still in them, alive through young collections until a full one.
 *
 * Integer ids, nearly all of them (the gateway's own count up, and so do most clients'), go in a ring of slots at
 * the id's low bits, each slot holding its id beside its entry: a set, a lookup and a delete are a few array accesses,
 * and the ring is replaced only when it grows. When an id finds its slot taken, the ring doubles if it is half full
 * (up to MAX_RING slots), so that a long-lived entry among short ones (an HTTP backend's open GET stream among its
 * POSTs) does not grow it; an id that still finds its slot taken, a string id, or an integer beyond 32 bits goes to
 * an object in dictionary mode (which keeps no link either, but costs a call into V8's runtime for each set, delete
 * and `in`: about 1.7 µs of every forwarded call when all ids went there).
 */
import type { RequestId } from '@modelcontextprotocol/sdk/types.js';

const FIRST_RING = 8;
/** The largest ring: two arrays of 1,024 slots (16 KB); past it, an id whose slot is taken spills. */
const MAX_RING = 1024;

export class IdTable<V> {
  /** Slot i holds the id whose low bits are i, or undefined; `entries[i]` its entry. Made with the first set. */
  private ids: Array<number | undefined> | undefined;
  private entries: Array<V | undefined> = [];
  private mask = 0;
  /** Ids that are not ring ids, or found their slot taken. */
  private spill: Record<string | number, V> | undefined;
  private spilled = 0;
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(id: RequestId): V | undefined {
    if (this.ids !== undefined && typeof id === 'number') {
      const slot = id & this.mask;
      if (this.ids[slot] === id) return this.entries[slot];
    }
    return this.spilled === 0 ? undefined : this.spill![keyOf(id)];
  }

  has(id: RequestId): boolean {
    if (this.ids !== undefined && typeof id === 'number' && this.ids[id & this.mask] === id) return true;
    return this.spilled !== 0 && keyOf(id) in this.spill!;
  }

  set(id: RequestId, value: V): void {
    if (isRingId(id)) {
      if (this.ids === undefined) this.newRing(FIRST_RING);
      const ids = this.ids!;
      const slot = id & this.mask;
      if (ids[slot] === id) {
        this.entries[slot] = value;
        return;
      }
      // Not in the ring: it may have spilled when its slot was taken, and is then updated there.
      if (this.spilled === 0 || !(id in this.spill!)) {
        if (ids[slot] !== undefined) this.growFor(id);
        const free = id & this.mask;
        if (this.ids![free] === undefined) {
          this.ids![free] = id;
          this.entries[free] = value;
          this.count++;
          return;
        }
      }
    }
    this.spill ??= Object.create(null) as Record<string | number, V>;
    const key = keyOf(id);
    if (!(key in this.spill)) {
      this.spilled++;
      this.count++;
    }
    this.spill[key] = value;
  }

  delete(id: RequestId): boolean {
    if (this.ids !== undefined && typeof id === 'number') {
      const slot = id & this.mask;
      if (this.ids[slot] === id) {
        this.ids[slot] = undefined;
        this.entries[slot] = undefined;
        this.count--;
        return true;
      }
    }
    if (this.spilled === 0) return false;
    const key = keyOf(id);
    if (!(key in this.spill!)) return false;
    delete this.spill![key];
    this.spilled--;
    this.count--;
    return true;
  }

  /** A copy: entries may be deleted while it is walked. */
  values(): V[] {
    const out: V[] = [];
    if (this.ids !== undefined) {
      for (let slot = 0; slot < this.ids.length; slot++)
        if (this.ids[slot] !== undefined) out.push(this.entries[slot]!);
    }
    if (this.spilled !== 0) out.push(...Object.values(this.spill!));
    return out;
  }

  clear(): void {
    this.ids = undefined;
    this.entries = [];
    this.mask = 0;
    this.spill = undefined;
    this.spilled = 0;
    this.count = 0;
  }

  private newRing(size: number): void {
    this.ids = Array.from({ length: size }, () => undefined);
    this.entries = Array.from({ length: size }, () => undefined);
    this.mask = size - 1;
  }

  /**
   * Doubles the ring while `id`'s slot is taken and the ring is at least half full, within MAX_RING. Moving never
   * collides: an id's new slot keeps its old slot in its low bits, and each old slot held one id.
   */
  private growFor(id: number): void {
    while (
      this.ids![id & this.mask] !== undefined &&
      this.ids!.length < MAX_RING &&
      this.count * 2 >= this.ids!.length
    ) {
      const ids = this.ids!;
      const entries = this.entries;
      this.newRing(ids.length * 2);
      for (let slot = 0; slot < ids.length; slot++) {
        const held = ids[slot];
        if (held === undefined) continue;
        this.ids![held & this.mask] = held;
        this.entries[held & this.mask] = entries[slot];
      }
    }
  }
}

/** Integers of 32 bits: their low bits are a slot (larger ones would be cut by `&`, and go to the dictionary). */
function isRingId(id: RequestId): id is number {
  return typeof id === 'number' && (id | 0) === id;
}

/** Ids 1 and "1" are different requests: a string id gets a prefix no number's property name has. */
function keyOf(id: RequestId): string | number {
  return typeof id === 'number' ? id : `'${id}`;
}
