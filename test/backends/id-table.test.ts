/**
 * IdTable: entries by JSON-RPC id, and what it is for: a long-lived table that gains and loses an entry on every call
 * lets the calls it held die young. The garbage collector's own account (bytes promoted by young collections, from
 * V8's trace) is read from a child process running the built table, beside a Map under the same churn, which
 * promotes most of what passed through it. Its answers are those of a Map keyed by id (fast-check, against ids that
 * fall on one slot, spill, and are numbers and strings alike).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import fc from 'fast-check';
import type { RequestId } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { IdTable } from '../../src/id-table.js';
import { REPO_ROOT } from '../helpers/gateway.js';

/** Two calls in flight at a time, 20,000 calls of ~3 KB each, through a table already in the old generation. */
const CHURN = `
const { IdTable } = await import(process.argv[1]);
const table = process.argv[2] === 'map' ? new Map() : new IdTable();
globalThis.gc();
globalThis.gc();
console.log('churn');
for (let id = 0; id < 20000; id++) {
  table.set(id, { payload: Array.from({ length: 64 }, (_, j) => ({ j })) });
  if (id >= 2) table.delete(id - 2);
}
`;

/** Bytes that young collections promoted to the old generation during the churn. */
function promotedDuringChurn(table: 'map' | 'id-table'): number {
  const child = spawnSync(
    process.execPath,
    [
      '--expose-gc',
      '--trace-gc-nvp',
      '--input-type=module',
      '-e',
      CHURN,
      join(REPO_ROOT, 'dist/src/id-table.js'),
      table === 'map' ? 'map' : 'id-table',
    ],
    { encoding: 'utf8', timeout: 30_000 },
  );
  expect(child.status, child.stderr).toBe(0);
  const trace = child.stdout.slice(child.stdout.indexOf('churn\n'));
  const scavenges = trace.split('\n').filter((line) => line.includes(' gc=s '));
  expect(scavenges.length).toBeGreaterThan(3);
  return scavenges.reduce((sum, line) => sum + Number(/ promoted=(\d+)/.exec(line)?.[1] ?? NaN), 0);
}

describe('IdTable', () => {
  it('keeps numeric and string ids apart, and counts what it holds', () => {
    const table = new IdTable<string>();
    table.set(1, 'number');
    table.set('1', 'string');
    table.set('__proto__', 'proto');
    expect([table.get(1), table.get('1'), table.get('__proto__'), table.size]).toEqual([
      'number',
      'string',
      'proto',
      3,
    ]);
    table.set(1, 'again');
    expect(table.size).toBe(3);
    expect([table.delete(1), table.delete(1), table.has(1), table.has('1')]).toEqual([
      true,
      false,
      false,
      true,
    ]);
    expect(table.values().sort()).toEqual(['proto', 'string']);
    table.clear();
    expect([table.size, table.get('1')]).toEqual([0, undefined]);
  });

  it('keeps an id that spilled (its slot taken) in one place when its slot frees up', () => {
    const table = new IdTable<string>();
    table.set(3, 'first');
    table.set(1027, 'spilled'); // 1027 & 1023 = 3: taken however far the ring grew
    table.delete(3);
    table.set(1027, 'again');
    expect([table.size, table.get(1027), table.values()]).toEqual([1, 'again', ['again']]);
    expect([table.delete(1027), table.has(1027), table.size]).toEqual([true, false, 0]);
  });

  it('answers as a Map keyed by id would, whatever ids come and go (ring slots, growth, spill)', () => {
    // Multiples of 8 fall on one slot of the first ring, ids 1024 apart on one slot of the largest; ids beyond 32 bits
    // and strings spill; up to 200 operations fill the ring enough to grow it.
    const id: fc.Arbitrary<RequestId> = fc.oneof(
      fc.integer({ min: -3, max: 40 }),
      fc.integer({ min: 0, max: 12 }).map((n) => n * 8),
      fc.integer({ min: 0, max: 5 }).map((n) => n * 1024 + 3),
      fc.constantFrom(2 ** 31, 2 ** 40, -(2 ** 31), 1.5),
      fc.constantFrom('1', '8', 'a', '__proto__'),
    );
    const op = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), id, value: fc.integer() }),
      fc.record({ kind: fc.constant('delete' as const), id }),
      fc.record({ kind: fc.constant('clear' as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), fc.array(id, { maxLength: 20 }), (ops, probes) => {
        const table = new IdTable<number>();
        const model = new Map<RequestId, number>();
        for (const o of ops) {
          if (o.kind === 'set') {
            table.set(o.id, o.value);
            model.set(o.id, o.value);
          } else if (o.kind === 'delete') {
            expect(table.delete(o.id)).toBe(model.delete(o.id));
          } else {
            table.clear();
            model.clear();
          }
          expect(table.size).toBe(model.size);
        }
        for (const probe of [...probes, ...model.keys()]) {
          expect(table.get(probe)).toBe(model.get(probe));
          expect(table.has(probe)).toBe(model.has(probe));
        }
        expect(table.values().sort((a, b) => a - b)).toEqual([...model.values()].sort((a, b) => a - b));
      }),
      { numRuns: 500, seed: 20261204 },
    );
  });

  it('lets the entries that passed through it die young, where a Map under the same churn promotes them', () => {
    const map = promotedDuringChurn('map');
    const idTable = promotedDuringChurn('id-table');
    // ~60 MB pass through each: a Map promotes megabytes of them, the table next to nothing.
    expect(map).toBeGreaterThan(5_000_000);
    expect(idTable).toBeLessThan(1_000_000);
  });
});
