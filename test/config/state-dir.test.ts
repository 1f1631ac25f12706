import { describe, expect, it } from 'vitest';
import { defaultStateDir } from '../../src/config/defaults.js';
import { parseConfig } from '../../src/config/index.js';

describe('state_dir', () => {
  it.each([
    [
      { STATE_DIRECTORY: '/var/lib/mcp-gateway', XDG_STATE_HOME: '/x', HOME: '/home/u' },
      '/var/lib/mcp-gateway',
    ],
    [{ STATE_DIRECTORY: '/var/lib/a:/var/lib/b', HOME: '/home/u' }, '/var/lib/a'],
    [{ XDG_STATE_HOME: '/home/u/state', HOME: '/home/u' }, '/home/u/state/mcp-gateway'],
    [{ XDG_STATE_HOME: 'relative', HOME: '/home/u' }, '/home/u/.local/state/mcp-gateway'],
    [{ HOME: '/home/u' }, '/home/u/.local/state/mcp-gateway'],
  ])('defaults from %o to %s', (env, expected) => {
    expect(defaultStateDir(env)).toBe(expected);
  });

  it('resolves a relative state_dir against the config file', () => {
    const { config } = parseConfig('state_dir: ./state\n', {
      path: '/etc/mcp-gateway/servers.yaml',
      env: {},
    });
    expect(config.state_dir).toBe('/etc/mcp-gateway/state');
  });
});
