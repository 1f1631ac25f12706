/**
 * `state:` in servers.yaml: embedded by default; `store: redis` needs a redis:// URL, takes the documented defaults,
 * and its password is kept out of what `check` prints and in what the logger scrubs.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';

const at = { path: '/tmp/servers.yaml', env: {} };

describe('state config', () => {
  it('is embedded unless told otherwise', () => {
    expect(parseConfig('{}\n', at).config.state).toEqual({ store: 'embedded' });
  });

  it('reads a redis URL with defaults, masks its password and scrubs it', () => {
    const loaded = parseConfig(`state:\n  store: redis\n  url: redis://:s3cret-pass@127.0.0.1:6379/0\n`, at);
    expect(loaded.config.state).toEqual({
      store: 'redis',
      url: 'redis://:s3cret-pass@127.0.0.1:6379/0',
      prefix: 'mcpgw:',
      connect_timeout_ms: 2_000,
      command_timeout_ms: 1_000,
      queue: true,
    });
    expect(JSON.stringify(loaded.redacted)).not.toContain('s3cret-pass');
    expect(loaded.secrets).toContain('s3cret-pass');
  });

  it('runs queued calls unless state.queue is false', () => {
    const off = parseConfig(`state:\n  store: redis\n  url: redis://127.0.0.1:6379\n  queue: false\n`, at);
    expect(off.config.state).toMatchObject({ store: 'redis', queue: false });
    expect(() =>
      parseConfig(`state:\n  store: redis\n  url: redis://127.0.0.1:6379\n  queue: 1\n`, at),
    ).toThrow();
  });

  it('refuses redis without a URL, a URL of another scheme, and unknown keys', () => {
    expect(() => parseConfig('state:\n  store: redis\n', at)).toThrow(/url/);
    expect(() => parseConfig('state:\n  store: redis\n  url: http://x\n', at)).toThrow(/redis:\/\//);
    expect(() => parseConfig('state:\n  store: redis\n  url: redis://x\n  ttl: 1\n', at)).toThrow(/ttl/);
  });
});
