import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfigFile, parseConfig } from '../../src/config/index.js';

/** Every problem of a broken file, exactly as `mcp-gateway check` would print them. */
function problemsOf(lines: string[], env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseConfig(lines.join('\n'), { path: 'servers.yaml', env });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    const error = err as ConfigError;
    expect(error.message).toBe(error.problems.join('\n'));
    return error.problems;
  }
  throw new Error('expected a ConfigError');
}

const NAME_RULE =
  'backend name must match ^[a-z0-9][a-z0-9_-]{0,63}$ (lowercase letters, digits, "_" and "-", starting with ' +
  'a letter or digit, at most 64 characters) because it appears in URLs and metric labels';

const cases: { name: string; yaml: string[]; env?: NodeJS.ProcessEnv; problems: string[] }[] = [
  {
    name: 'a backend under a name the gateway serves itself',
    yaml: [
      'backends:',
      '  admin:',
      '    command: node admin.js',
      '  flat:',
      '    http_url: http://127.0.0.1:1/mcp',
    ],
    problems: [
      `servers.yaml:2:3 backends.admin: backend name "admin" is reserved: /mcp/admin is the gateway's own (reserved: admin, flat, p, pipelines)`,
      `servers.yaml:4:3 backends.flat: backend name "flat" is reserved: /mcp/flat is the gateway's own (reserved: admin, flat, p, pipelines)`,
    ],
  },
  {
    name: 'an admin token too short to be one',
    yaml: ['admin:', '  token: short'],
    problems: ['servers.yaml:2:10 admin.token: must be at least 16 characters'],
  },
  {
    name: 'unknown top-level key',
    yaml: ['port: 39400', 'colour: blue'],
    problems: ['servers.yaml:2:1 colour: unknown key'],
  },
  {
    name: 'typo of a top-level key, with a suggestion',
    yaml: ['prot: 39400'],
    problems: ['servers.yaml:1:1 prot: unknown key (did you mean "port"?)'],
  },
  {
    name: 'typo of a backend key: suggestion, and no "needs command" noise',
    yaml: ['backends:', '  tavily:', '    description: search', '', '', '', '    comand: "npx -y tavily"'],
    problems: ['servers.yaml:7:5 backends.tavily.comand: unknown key (did you mean "command"?)'],
  },
  {
    name: 'a key from another format, suggested by alias',
    yaml: ['backends:', '  ctx:', '    url: http://localhost:8080/mcp'],
    problems: ['servers.yaml:3:5 backends.ctx.url: unknown key (did you mean "http_url"?)'],
  },
  {
    name: 'bad backend name',
    yaml: ['backends:', '  My_Server:', '    command: node server.js'],
    problems: [`servers.yaml:2:3 backends.My_Server: ${NAME_RULE}`],
  },
  {
    name: 'backend name with a space is quoted in the path',
    yaml: ['backends:', '  "my server":', '    command: node server.js'],
    problems: [`servers.yaml:2:3 backends["my server"]: ${NAME_RULE}`],
  },
  {
    name: 'both command and http_url',
    yaml: ['backends:', '  both:', '    command: node server.js', '    http_url: http://localhost:1/mcp'],
    problems: [
      'servers.yaml:4:5 backends.both.http_url: set either command (stdio) or http_url (http/sse), not both',
    ],
  },
  {
    name: 'neither command nor http_url (points at the backend)',
    yaml: ['backends:', '  empty:', '    description: nothing to run'],
    problems: ['servers.yaml:2:3 backends.empty: needs command (stdio) or http_url (http/sse)'],
  },
  {
    name: 'null-valued backend entry',
    yaml: ['backends:', '  ghost:'],
    problems: ['servers.yaml:2:3 backends.ghost: expected a mapping, got nothing'],
  },
  {
    name: 'wrong type: port "abc"',
    yaml: ['port: "abc"'],
    problems: ['servers.yaml:1:7 port: expected a whole number, got a string'],
  },
  {
    name: 'empty value points at its key',
    yaml: ['host:'],
    problems: ['servers.yaml:1:1 host: expected a string, got nothing'],
  },
  {
    name: 'port out of range and fractional',
    yaml: ['port: 70000', 'max_body_bytes: 1.5'],
    problems: [
      'servers.yaml:1:7 port: must be at most 65535',
      'servers.yaml:2:17 max_body_bytes: must be a whole number',
    ],
  },
  {
    name: 'negative timeouts; timeout must be > 0',
    yaml: [
      'idle_timeout: -1',
      'backends:',
      '  a:',
      '    command: x',
      '    timeout: 0',
      '    idle_timeout: -5',
    ],
    problems: [
      'servers.yaml:1:15 idle_timeout: must not be negative',
      'servers.yaml:5:14 backends.a.timeout: must be at least 1',
      'servers.yaml:6:19 backends.a.idle_timeout: must not be negative',
    ],
  },
  {
    name: 'http_url not a URL, and not http(s)',
    yaml: ['backends:', '  a:', '    http_url: not a url', '  b:', '    http_url: ftp://example.com/mcp'],
    problems: [
      'servers.yaml:3:15 backends.a.http_url: is not a valid URL',
      'servers.yaml:5:15 backends.b.http_url: must be an http:// or https:// URL',
    ],
  },
  {
    name: 'transport inconsistent with command / http_url',
    yaml: [
      'backends:',
      '  a:',
      '    transport: stdio',
      '    http_url: http://localhost:1/mcp',
      '  b:',
      '    transport: sse',
      '    command: node b.js',
      '  c:',
      '    transport: websocket',
      '    command: node c.js',
    ],
    problems: [
      'servers.yaml:3:16 backends.a.transport: transport stdio needs command, but this backend has http_url',
      'servers.yaml:6:16 backends.b.transport: transport sse needs http_url, but this backend has command',
      'servers.yaml:9:16 backends.c.transport: must be one of: stdio, http, sse',
    ],
  },
  {
    name: 'stdio-only and http-only keys in the wrong place',
    yaml: [
      'backends:',
      '  a:',
      '    http_url: http://localhost:1/mcp',
      '    args: [--x]',
      '    cwd: /tmp',
      '  b:',
      '    command: node b.js',
      '    headers: { X-Key: abc }',
    ],
    problems: [
      'servers.yaml:4:5 backends.a.args: only applies to command (stdio) backends',
      'servers.yaml:5:5 backends.a.cwd: only applies to command (stdio) backends',
      'servers.yaml:8:5 backends.b.headers: only applies to http_url backends',
    ],
  },
  {
    name: 'shell operator in command',
    yaml: ['backends:', '  a:', '    command: "cat log | grep x"'],
    problems: [
      'servers.yaml:3:14 backends.a.command: "|" is a shell operator, but the command is not run by a shell; ' +
        'quote it to pass it literally, or if a shell is really wanted use command: sh with args: ["-c", "…"]',
    ],
  },
  {
    name: 'bad origin, bad log level, bad list item',
    yaml: [
      'allowed_origins: [https://app.example.com/path]',
      'log_level: verbose',
      'allowed_hosts: [ok, [nested]]',
    ],
    problems: [
      'servers.yaml:1:19 allowed_origins[0]: must be an origin such as https://app.example.com (scheme, host and optional port; no path)',
      'servers.yaml:2:12 log_level: must be one of: debug, info, warn, error',
      'servers.yaml:3:21 allowed_hosts[1]: expected a string, got a list',
    ],
  },
  {
    name: 'top level is not a mapping',
    yaml: ['- port: 1'],
    problems: ['servers.yaml:1:1 expected a mapping, got a list'],
  },
  {
    name: 'YAML syntax error',
    yaml: ['backends:', '  a: { command: x', 'port: 1'],
    problems: [
      'servers.yaml:3:1 Flow map in block collection must be sufficiently indented and end with a }',
    ],
  },
  {
    name: 'duplicate key is a YAML error',
    yaml: ['port: 1', 'port: 2'],
    problems: ['servers.yaml:2:1 Map keys must be unique'],
  },
  {
    name: 'unknown YAML alias',
    yaml: ['port: 1', 'host: *nope'],
    problems: ['servers.yaml:2:7 unknown alias *nope (define &nope before it)'],
  },
  {
    name: 'YAML alias inside its own anchor',
    yaml: ['allowed_hosts: &a [*a]'],
    problems: ['servers.yaml:1:20 allowed_hosts[0]: refers to itself through a YAML alias'],
  },
  {
    name: 'undefined ${VAR} names the variable',
    yaml: [
      'backends:',
      '  tavily:',
      '    command: npx tavily',
      '    env: { TAVILY_API_KEY: "${TAVILY_API_KEY}" }',
    ],
    problems: [
      'servers.yaml:4:28 backends.tavily.env.TAVILY_API_KEY: environment variable TAVILY_API_KEY is not set ' +
        '(write ${TAVILY_API_KEY:-default} to give a default)',
    ],
  },
  {
    name: 'undefined ${VAR} in a number field is reported once',
    yaml: ['port: ${GATEWAY_PORT}'],
    problems: [
      'servers.yaml:1:7 port: environment variable GATEWAY_PORT is not set (write ${GATEWAY_PORT:-default} to give a default)',
    ],
  },
  {
    name: 'value with a newline from the environment',
    yaml: [
      'backends:',
      '  a:',
      '    http_url: http://localhost:1/mcp',
      '    headers:',
      '      Authorization: Bearer ${TOKEN}',
    ],
    env: { TOKEN: 'abc\r\nX-Injected: 1' },
    problems: [
      'servers.yaml:5:22 backends.a.headers.Authorization: the value of TOKEN contains a line break or NUL character, which is not allowed',
    ],
  },
  {
    name: 'malformed and nested references',
    yaml: [
      'host: "${TAVILY-KEY}"',
      'backends:',
      '  a:',
      '    command: "x ${A:-${B}}"',
      '    description: "${oops"',
    ],
    problems: [
      'servers.yaml:1:7 host: malformed reference "${TAVILY-KEY}": write ${NAME} or ${NAME:-default}',
      'servers.yaml:4:14 backends.a.command: nested references are not supported in "${A:-${B}"',
      'servers.yaml:5:18 backends.a.description: unterminated "${": write ${NAME} or ${NAME:-default}',
    ],
  },
  {
    name: 'header name and env name rules',
    yaml: [
      'backends:',
      '  a:',
      '    http_url: http://localhost:1/mcp',
      '    headers: { "Bad Header": x }',
      '  b:',
      '    command: x',
      '    env: { "A=B": x }',
    ],
    problems: [
      'servers.yaml:4:16 backends.a.headers["Bad Header"]: is not a valid HTTP header name',
      'servers.yaml:7:12 backends.b.env["A=B"]: environment variable names must be non-empty and without "="',
    ],
  },
  {
    name: 'several problems at once, sorted by position',
    yaml: [
      'port: abc', // 1
      'log_level: loud', // 2
      'backends:', // 3
      '  Tavily:', // 4
      '    comand: npx tavily', // 5
      '  ok:', // 6
      '    command: node ok.js', // 7
      '    timeout: -3', // 8
      '    enabled: maybe', // 9
      '  remote:', // 10
      '    http_url: "${REMOTE_URL}"', // 11
      'extra: 1', // 12
    ],
    problems: [
      'servers.yaml:1:7 port: expected a whole number, got a string',
      'servers.yaml:2:12 log_level: must be one of: debug, info, warn, error',
      `servers.yaml:4:3 backends.Tavily: ${NAME_RULE}`,
      'servers.yaml:5:5 backends.Tavily.comand: unknown key (did you mean "command"?)',
      'servers.yaml:8:14 backends.ok.timeout: must be at least 1',
      'servers.yaml:9:14 backends.ok.enabled: expected true or false, got a string',
      'servers.yaml:11:15 backends.remote.http_url: environment variable REMOTE_URL is not set (write ${REMOTE_URL:-default} to give a default)',
      'servers.yaml:12:1 extra: unknown key',
    ],
  },
];

describe('broken config files', () => {
  it.each(cases)('$name', ({ yaml, env, problems }) => {
    expect(problemsOf(yaml, env)).toEqual(problems);
  });

  it('names the file as the caller gave it', () => {
    expect(() => parseConfig('colour: blue', { path: '/etc/mcp-gateway/servers.yaml', env: {} })).toThrow(
      '/etc/mcp-gateway/servers.yaml:1:1 colour: unknown key',
    );
  });

  it('reports an unreadable file as a ConfigError', async () => {
    const error = await loadConfigFile('does-not-exist/servers.yaml', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual(['does-not-exist/servers.yaml: cannot read: ENOENT']);
  });
});
