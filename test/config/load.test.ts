import { dirname, join, resolve } from 'node:path';
import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import {
  CONFIG_DEFAULTS,
  loadConfigFile,
  parseConfig,
  type HttpBackendConfig,
  type StdioBackendConfig,
} from '../../src/config/index.js';

const load = (lines: string[], env: NodeJS.ProcessEnv = {}, path = '/srv/gw/servers.yaml') =>
  parseConfig(lines.join('\n'), { path, env });

describe('defaults', () => {
  it('turns an empty file into the defaults', () => {
    const { config } = load(['# nothing yet']);
    expect(config).toEqual({
      port: 39400,
      host: '127.0.0.1',
      enable_meta_mcp: true,
      idle_timeout: 300,
      allowed_hosts: [],
      allowed_origins: [],
      max_body_bytes: 4194304,
      session_idle_timeout: 1800,
      max_sessions: 4096,
      max_connections: 768,
      state_dir: expect.stringMatching(/mcp-gateway$/),
      log_level: 'info',
      admin: { token: undefined, allow_stdio: false },
      auth: {
        mode: 'off',
        clients: {},
        jwt: undefined,
        public: [],
        max_sessions_per_client: 64,
        requests_per_second: 50,
      },
      profiles: {},
      rest_sessions: { key: undefined, default_ttl_s: 3600, max_ttl_s: 604800, max_per_client: 100 },
      state: { store: 'embedded' },
      backends: {},
      pipelines: {},
    });
    expect(config.port).toBe(CONFIG_DEFAULTS.port);
  });

  it('accepts an empty backends: and commented-out lists', () => {
    const { config } = load(['backends:', 'allowed_hosts:', '  # - gw.example.com']);
    expect(config.backends).toEqual({});
    expect(config.allowed_hosts).toEqual([]);
  });

  it('fills backend defaults, inheriting the global idle_timeout', () => {
    const { config } = load([
      'idle_timeout: 120',
      'port: 0',
      'backends:',
      '  a: { command: node a.js }',
      '  b: { command: node b.js, idle_timeout: 0, timeout: 5, enabled: false, description: B }',
    ]);
    expect(config.port).toBe(0);
    expect(config.backends.a).toMatchObject({
      name: 'a',
      description: '',
      enabled: true,
      idle_timeout: 120,
      timeout: 60,
      start_timeout: 30,
      warm: false,
      stateful: false,
      scope: 'shared',
    });
    expect(config.backends.b).toMatchObject({
      name: 'b',
      description: 'B',
      enabled: false,
      idle_timeout: 0,
      timeout: 5,
    });
  });

  it('normalizes allowed origins and hosts', () => {
    const { config } = load([
      'allowed_hosts: [GW.Example.com]',
      'allowed_origins: ["https://App.Example.com/", "http://localhost:3000"]',
    ]);
    expect(config.allowed_hosts).toEqual(['gw.example.com']);
    expect(config.allowed_origins).toEqual(['https://app.example.com', 'http://localhost:3000']);
  });

  it('accepts PyYAML-style merge keys', () => {
    const { config } = load([
      'backends:',
      '  a: &a { command: node a.js, timeout: 10 }',
      '  b: { <<: *a, description: B }',
    ]);
    expect(config.backends.b).toMatchObject({
      command: 'node',
      args: ['a.js'],
      timeout: 10,
      description: 'B',
    });
  });
});

describe('stdio backends', () => {
  it('splits command and appends args:', () => {
    const { config } = load([
      'backends:',
      '  t:',
      '    command: "npx -y \'@scope/pkg name\'"',
      '    args: [--port, 8080, true]',
    ]);
    expect(config.backends.t).toMatchObject({
      transport: 'stdio',
      command: 'npx',
      args: ['-y', '@scope/pkg name', '--port', '8080', 'true'],
      env: {},
    });
  });

  it('resolves cwd against the config file directory, defaulting to it', () => {
    const { config } = load([
      'backends:',
      '  a: { command: x }',
      '  b: { command: x, cwd: ./sub/dir }',
      '  c: { command: x, cwd: ../up }',
      '  d: { command: x, cwd: /abs/path }',
    ]);
    const cwd = (name: string) => (config.backends[name] as StdioBackendConfig).cwd;
    expect(cwd('a')).toBe('/srv/gw');
    expect(cwd('b')).toBe('/srv/gw/sub/dir');
    expect(cwd('c')).toBe('/srv/up');
    expect(cwd('d')).toBe('/abs/path');
  });

  it('resolves a relative config path against the process cwd', () => {
    const loaded = load(['backends:', '  a: { command: x, cwd: sub }'], {}, 'conf/servers.yaml');
    expect(loaded.path).toBe(resolve('conf/servers.yaml'));
    expect((loaded.config.backends.a as StdioBackendConfig).cwd).toBe(
      join(dirname(resolve('conf/servers.yaml')), 'sub'),
    );
  });

  it('stringifies scalar env values', () => {
    const { config } = load([
      'backends:',
      '  a:',
      '    command: x',
      '    env: { PORT: 8080, DEBUG: true, NAME: n }',
    ]);
    expect((config.backends.a as StdioBackendConfig).env).toEqual({ PORT: '8080', DEBUG: 'true', NAME: 'n' });
  });
});

describe('transport inference', () => {
  it.each([
    ['command: node s.js', 'stdio'],
    ['http_url: http://localhost:8080/mcp', 'http'],
    ['http_url: http://localhost:39300/sse', 'sse'],
    ['http_url: "http://localhost:39300/sse?x=1"', 'sse'],
    ['http_url: http://localhost:39300/sse/extra', 'http'],
    ['http_url: http://localhost:39300/not-sse', 'http'],
    ['http_url: https://example.com/mcp/sse', 'sse'],
    ['{ http_url: http://localhost:1/events, transport: sse }', 'sse'],
    ['{ http_url: http://localhost:1/sse, transport: http }', 'http'],
    ['{ command: node s.js, transport: stdio }', 'stdio'],
  ])('%s → %s', (entry, transport) => {
    const body = entry.startsWith('{') ? [`  a: ${entry}`] : ['  a:', `    ${entry}`];
    expect(load(['backends:', ...body]).config.backends.a?.transport).toBe(transport);
  });

  it('keeps url and headers of http backends', () => {
    const { config } = load(
      [
        'backends:',
        '  c7:',
        '    http_url: http://localhost:8080/mcp',
        '    headers: { Authorization: "Bearer ${TOKEN}", X-Num: 1 }',
      ],
      { TOKEN: 'tok-123456' },
    );
    expect(config.backends.c7 as HttpBackendConfig).toEqual({
      name: 'c7',
      description: '',
      enabled: true,
      idle_timeout: 300,
      timeout: 60,
      start_timeout: 30,
      warm: false,
      stateful: false,
      transport: 'http',
      url: 'http://localhost:8080/mcp',
      forward_authorization: false,
      headers: { Authorization: 'Bearer tok-123456', 'X-Num': '1' },
    });
  });
});

describe('loadConfigFile', () => {
  it('reads a file from disk', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mcp-gateway-config-'));
    try {
      await mkdir(join(dir, 'bin'));
      const path = join(dir, 'servers.yaml');
      await writeFile(path, 'backends:\n  a: { command: ./bin/server, cwd: bin }\n');
      const loaded = await loadConfigFile(path, {});
      expect(loaded.path).toBe(path);
      expect(loaded.config.backends.a).toMatchObject({ command: './bin/server', cwd: join(dir, 'bin') });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
