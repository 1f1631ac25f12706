/**
 * The fingerprint that keys a backend's catalog entry: it changes with what may change the tools (command, args,
 * env, cwd, URL, headers, transport) and not with what cannot (description, timeouts, warm, enabled); an entry read
 * from another definition is not loaded.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Catalog } from '../../src/catalog/catalog.js';
import { backendFingerprint } from '../../src/catalog/fingerprint.js';
import { parseConfig, type BackendConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/log.js';
import { snapshotFile } from '../../src/store/snapshot-file.js';

function backend(yaml: string): BackendConfig {
  const { config } = parseConfig(`backends:\n  b:\n${yaml}`, { path: '/tmp/servers.yaml', env: {} });
  return config.backends.b!;
}

const BASE = '    command: node server.js --port 1\n    env:\n      TOKEN: abcd1234\n';

describe('backendFingerprint', () => {
  it('changes with the command, args, env, cwd, URL and headers', () => {
    const base = backendFingerprint(backend(BASE));
    for (const changed of [
      '    command: node other.js --port 1\n    env:\n      TOKEN: abcd1234\n',
      '    command: node server.js --port 2\n    env:\n      TOKEN: abcd1234\n',
      '    command: node server.js --port 1\n    env:\n      TOKEN: efgh5678\n',
      `${BASE}    cwd: /srv\n`,
      `${BASE}    args: [--verbose]\n`,
    ])
      expect(backendFingerprint(backend(changed))).not.toBe(base);
    const remote = backendFingerprint(backend('    http_url: http://127.0.0.1:1/mcp\n'));
    expect(backendFingerprint(backend('    http_url: http://127.0.0.1:2/mcp\n'))).not.toBe(remote);
    expect(
      backendFingerprint(backend('    http_url: http://127.0.0.1:1/mcp\n    headers:\n      X-Key: k\n')),
    ).not.toBe(remote);
  });

  it('does not change with the description, timeouts, warm or enabled, nor with key order', () => {
    const base = backendFingerprint(backend(BASE));
    const same = `    description: other words\n    timeout: 5\n    start_timeout: 9\n    idle_timeout: 1\n    warm: true\n    enabled: false\n    env:\n      TOKEN: abcd1234\n    command: node server.js --port 1\n`;
    expect(backendFingerprint(backend(same))).toBe(base);
  });

  it('keys the catalog file: an entry of another definition is dropped at load', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fingerprint-'));
    try {
      const path = join(dir, 'catalog.json');
      const servers = new Map([['b', '']]);
      const open = (fingerprint: string) =>
        new Catalog(snapshotFile(path, silentLogger()), servers, () => fingerprint);
      const first = open('one');
      first.set('b', [{ name: 't', inputSchema: { type: 'object' } }]);
      await first.flush();
      const same = open('one');
      same.load();
      expect(same.isIndexed('b')).toBe(true);
      const other = open('two');
      other.load();
      expect(other.indexState('b')).toBe('pending');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
