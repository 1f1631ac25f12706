import { describe, expect, it } from 'vitest';
import { parseConfig, type StdioBackendConfig } from '../../src/config/index.js';

/** Loads a one-backend config and returns that backend, so each case reads as value in → value out. */
function stdio(lines: string[], env: NodeJS.ProcessEnv): StdioBackendConfig {
  const yaml = ['backends:', '  a:', '    command: node server.js', ...lines.map((l) => `    ${l}`)].join(
    '\n',
  );
  return parseConfig(yaml, { path: 'servers.yaml', env }).config.backends.a as StdioBackendConfig;
}
const description = (value: string, env: NodeJS.ProcessEnv) =>
  stdio([`description: ${JSON.stringify(value)}`], env).description;

describe('${VAR} expansion', () => {
  it.each([
    ['${NAME}', { NAME: 'world' }, 'world'],
    ['hello ${NAME}!', { NAME: 'world' }, 'hello world!'],
    ['${A}${B}', { A: 'x', B: 'y' }, 'xy'],
    ['${NAME:-fallback}', {}, 'fallback'],
    ['${NAME:-fallback}', { NAME: 'set' }, 'set'],
    ['${NAME:-fallback}', { NAME: '' }, 'fallback'], // like the shell's :-, empty counts as unset
    ['${NAME:-}', {}, ''],
    ['${NAME:-a b:c}', {}, 'a b:c'],
    ['${NAME}', { NAME: '' }, ''], // set but empty is set
    ['cost: $5', {}, 'cost: $5'], // a lone $ is literal
    ['$NAME and $$ and $', { NAME: 'x' }, '$NAME and $$ and $'], // only ${…} is special
    ['$${NAME}', { NAME: 'x' }, '$x'], // $$ is not an escape
    ['${OUTER}', { OUTER: '${INNER}', INNER: 'no' }, '${INNER}'], // no recursion
    ['${OUTER}', { OUTER: '$(whoami)' }, '$(whoami)'], // no command substitution
    ['${NAME:-$(whoami)}', {}, '$(whoami)'],
  ])('%s with %o gives %s', (template, env, expected) => {
    expect(description(template, env)).toBe(expected);
  });

  it('expands inside lists and nested maps, but not keys', () => {
    const b = stdio(['args: ["--token=${TOKEN}", "${MODE:-fast}"]', 'env: { "${KEY}": "${TOKEN}" }'], {
      TOKEN: 't0ken',
      KEY: 'never-used',
    });
    expect(b.args).toEqual(['server.js', '--token=t0ken', 'fast']);
    expect(b.env).toEqual({ '${KEY}': 't0ken' });
  });

  it('ignores YAML quoting: plain, single and double quoted scalars all expand', () => {
    const b = stdio(['args:', '  - ${A}', "  - '${A}'", '  - "${A}"'], { A: 'x' });
    expect(b.args).toEqual(['server.js', 'x', 'x', 'x']);
  });

  it('expands before splitting command', () => {
    const yaml = ['backends:', '  a:', '    command: "${NODE:-node} --inspect ${SCRIPT}"'].join('\n');
    const b = parseConfig(yaml, { path: 'servers.yaml', env: { SCRIPT: 'srv.js' } }).config.backends.a;
    expect(b).toMatchObject({ command: 'node', args: ['--inspect', 'srv.js'] });
  });

  it('lets numbers and booleans come from the environment', () => {
    const yaml = ['port: ${PORT:-39400}', 'enable_meta_mcp: ${META}', 'idle_timeout: ${IDLE}'].join('\n');
    const { config } = parseConfig(yaml, { path: 'servers.yaml', env: { META: 'false', IDLE: '0' } });
    expect(config).toMatchObject({ port: 39400, enable_meta_mcp: false, idle_timeout: 0 });
  });

  it('does not expand twice through a YAML alias', () => {
    const yaml = [
      'backends:',
      '  a:',
      '    command: node a.js',
      '    env: &shared { TOKEN: "${TOKEN}" }',
      '  b:',
      '    command: node b.js',
      '    env: *shared',
    ].join('\n');
    const { config } = parseConfig(yaml, { path: 'servers.yaml', env: { TOKEN: '${OTHER}', OTHER: 'leak' } });
    expect((config.backends.a as StdioBackendConfig).env.TOKEN).toBe('${OTHER}');
    expect((config.backends.b as StdioBackendConfig).env.TOKEN).toBe('${OTHER}');
  });

  it('reports every missing variable, each at its own value', () => {
    const yaml = ['host: ${H}', 'backends:', '  a:', '    command: "${CMD} ${ARG}"'].join('\n');
    expect(() => parseConfig(yaml, { path: 'servers.yaml', env: {} })).toThrow(
      [
        'servers.yaml:1:7 host: environment variable H is not set (write ${H:-default} to give a default)',
        'servers.yaml:4:14 backends.a.command: environment variable CMD is not set (write ${CMD:-default} to give a default)',
        'servers.yaml:4:14 backends.a.command: environment variable ARG is not set (write ${ARG:-default} to give a default)',
      ].join('\n'),
    );
  });

  it('refuses NUL and CR from the environment, naming only the variable', () => {
    for (const bad of ['a\0b', 'a\rb']) {
      expect(() => stdio(['description: "${D}"'], { D: bad })).toThrow(
        'servers.yaml:4:18 backends.a.description: the value of D contains a line break or NUL character, which is not allowed',
      );
    }
  });
});
