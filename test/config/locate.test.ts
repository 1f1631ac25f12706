import { describe, expect, it } from 'vitest';
import { findConfigFile } from '../../src/config/index.js';

const CWD = '/work/project/servers.yaml';
const XDG = '/xdg/mcp-gateway/servers.yaml';
const HOME = '/home/ada/.config/mcp-gateway/servers.yaml';
const ETC = '/etc/mcp-gateway/servers.yaml';

/** Runs the search against a fake disk holding `files`, recording the order of the probes. */
function find(files: string[], env: NodeJS.ProcessEnv) {
  const probed: string[] = [];
  const found = findConfigFile({
    cwd: '/work/project',
    env,
    exists: (p) => {
      probed.push(p);
      return files.includes(p);
    },
  });
  return { found, probed };
}

describe('findConfigFile', () => {
  const env = { HOME: '/home/ada', XDG_CONFIG_HOME: '/xdg' };

  it('probes cwd, then XDG config home, then /etc', () => {
    expect(find([], env)).toEqual({ found: undefined, probed: [CWD, XDG, ETC] });
  });

  it.each([
    [[CWD, XDG, ETC], CWD],
    [[XDG, ETC], XDG],
    [[ETC], ETC],
  ])('with %j finds %s', (files, expected) => {
    expect(find(files, env).found).toBe(expected);
  });

  it('falls back to ~/.config when XDG_CONFIG_HOME is unset, empty or relative', () => {
    for (const xdg of [undefined, '', 'relative/dir']) {
      expect(find([HOME, ETC], { HOME: '/home/ada', XDG_CONFIG_HOME: xdg }).probed).toEqual([CWD, HOME]);
    }
  });

  it('skips the user config when neither XDG_CONFIG_HOME nor HOME is set', () => {
    expect(find([], {}).probed).toEqual([CWD, ETC]);
  });

  it('uses the real disk by default', () => {
    expect(findConfigFile({ cwd: '/nonexistent-dir-for-test', env: {} })).toSatisfy(
      (p: string | undefined) => p === undefined || p === ETC,
    );
  });
});
