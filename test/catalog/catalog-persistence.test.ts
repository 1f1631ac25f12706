/**
 * The catalog on disk (store/snapshot-file.ts): written only when a backend's list changed, after the caller's turn,
 * atomically and private to the user; a broken or half-written file is never read as the catalog.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { Catalog } from '../../src/catalog/catalog.js';
import { silentLogger } from '../../src/log.js';
import { snapshotFile } from '../../src/store/snapshot-file.js';

const SERVERS = new Map([
  ['alpha', 'first'],
  ['beta', 'second'],
]);
const echo: Tool = { name: 'echo', description: 'Echoes', inputSchema: { type: 'object' } };
const add: Tool = { name: 'add', description: 'Adds', inputSchema: { type: 'object' } };

let dir: string;
let path: string;
const open = () => new Catalog(snapshotFile(path, silentLogger()), SERVERS);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'catalog-'));
  path = join(dir, 'state', 'catalog.json');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('catalog persistence', () => {
  it('writes a change after the caller returns, and a later start reads it', async () => {
    const catalog = open();
    catalog.set('alpha', [echo], new Date('2026-01-01T00:00:00Z'));
    expect(existsSync(path)).toBe(false);
    await catalog.flush();
    const again = open();
    again.load();
    expect(again.currentTools('alpha')).toEqual([echo]);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'state')).mode & 0o777).toBe(0o700);
  });

  it('does not rewrite the file when a list is read again unchanged', async () => {
    const catalog = open();
    catalog.set('alpha', [echo], new Date('2026-01-01T00:00:00Z'));
    await catalog.flush();
    const written = readFileSync(path, 'utf8');
    catalog.set('alpha', [echo], new Date('2026-02-01T00:00:00Z'));
    await catalog.flush();
    expect(readFileSync(path, 'utf8')).toBe(written);
    catalog.set('alpha', [echo, add], new Date('2026-03-01T00:00:00Z'));
    await catalog.flush();
    expect(JSON.parse(readFileSync(path, 'utf8')).servers.alpha.indexed_at).toBe('2026-03-01T00:00:00.000Z');
  });

  it('coalesces changes made while a write is under way, and keeps the last', async () => {
    const catalog = open();
    for (let i = 0; i < 20; i++) catalog.set('alpha', [{ ...echo, description: `v${i}` }]);
    await catalog.flush();
    const again = open();
    again.load();
    expect(again.currentTools('alpha')?.[0]?.description).toBe('v19');
  });

  it('starts empty from a half-written file, and never reads a temporary file', async () => {
    const catalog = open();
    catalog.set('alpha', [echo]);
    await catalog.flush();
    const whole = readFileSync(path, 'utf8');
    writeFileSync(path, whole.slice(0, whole.length / 2));
    writeFileSync(`${path}.${process.pid}.tmp`, whole);
    const broken = open();
    broken.load();
    expect(broken.isIndexed('alpha')).toBe(false);
  });

  it('keeps well-formed entries and drops the rest', () => {
    const good = { indexed_at: '2026-01-01T00:00:00.000Z', tools: [{ tool: echo, hash: 'h' }] };
    const servers = { alpha: good, beta: { tools: [{ name: 'no-hash' }] }, gone: good };
    writeFileSync(join(dir, 'catalog.json'), JSON.stringify({ version: 1, servers }));
    const catalog = new Catalog(snapshotFile(join(dir, 'catalog.json'), silentLogger()), SERVERS);
    catalog.load();
    expect(catalog.currentTools('alpha')).toEqual([echo]);
    expect(catalog.isIndexed('beta')).toBe(false);
    expect(catalog.isIndexed('gone')).toBe(false);
  });
});
