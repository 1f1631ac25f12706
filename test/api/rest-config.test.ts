/**
 * `rest_sessions:` in servers.yaml: defaults, bounds, and its key kept out of everything printed (`check`, the
 * redacted config) and in the secrets the logger scrubs.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';

const KEY = Buffer.alloc(32, 3).toString('base64');

describe('rest_sessions config', () => {
  it('reads the key from a variable, prints only its template, and scrubs it', () => {
    const loaded = parseConfig(`rest_sessions:\n  key: '\${SESSION_KEY}'\n  default_ttl_s: 60\n`, {
      path: '/tmp/servers.yaml',
      env: { SESSION_KEY: KEY },
    });
    expect(loaded.config.rest_sessions).toMatchObject({ key: KEY, default_ttl_s: 60, max_per_client: 100 });
    expect(JSON.stringify(loaded.redacted)).not.toContain(KEY);
    expect(JSON.stringify(loaded.redacted)).toContain('${SESSION_KEY}');
    expect(loaded.secrets).toContain(KEY);
  });

  it('refuses an unknown key and a ttl that is not a whole positive number', () => {
    expect(() => parseConfig('rest_sessions:\n  ttl: 5\n', { path: '/tmp/servers.yaml', env: {} })).toThrow(
      /ttl/,
    );
    expect(() =>
      parseConfig('rest_sessions:\n  default_ttl_s: 0\n', { path: '/tmp/servers.yaml', env: {} }),
    ).toThrow(/default_ttl_s/);
  });
});
