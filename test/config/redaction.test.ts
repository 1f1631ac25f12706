import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config/index.js';

// Canaries: if any of these appears in printed output or an error message, a secret has leaked.
const ENV = {
  TAVILY_API_KEY: 'CANARY-tavily-7d1e',
  CONTEXT7_TOKEN: 'CANARY-context7-0b2c',
  BIN: '/opt/CANARY-bin',
  PORT: '40123',
  DESC: 'CANARY-description',
  HOSTNAME_EXTRA: 'canary-host.example.com',
  MULTILINE: 'CANARY-line1\nCANARY-line2',
};

const GOOD = [
  'port: ${PORT}',
  'allowed_hosts: [localhost, "${HOSTNAME_EXTRA}"]',
  'backends:',
  '  tavily:',
  '    command: "${BIN}/tavily --key=${TAVILY_API_KEY} --fixed"',
  '    args: [--verbose, "${DESC}"]',
  '    env: { TAVILY_API_KEY: "${TAVILY_API_KEY}", PLAIN: literal-value, ON: "1" }',
  '    description: "${DESC:-Web search}"',
  '  context7:',
  '    http_url: "http://localhost:8080/mcp"',
  '    headers: { Authorization: "Bearer ${CONTEXT7_TOKEN}", X-Static: static-header }',
].join('\n');

describe('secrets and redaction', () => {
  const loaded = parseConfig(GOOD, { path: 'servers.yaml', env: ENV });

  it('uses the expanded values in the config itself', () => {
    expect(loaded.config.port).toBe(40123);
    expect(loaded.config.backends.tavily).toMatchObject({
      command: '/opt/CANARY-bin/tavily',
      args: ['--key=CANARY-tavily-7d1e', '--fixed', '--verbose', 'CANARY-description'],
    });
  });

  it('prints templates and masks, never environment values', () => {
    const printed = JSON.stringify(loaded.redacted);
    expect(printed).not.toMatch(/canary|40123/i);
    expect(loaded.redacted).toEqual({
      port: '${PORT}',
      host: '127.0.0.1',
      enable_meta_mcp: true,
      idle_timeout: 300,
      allowed_hosts: ['localhost', '${HOSTNAME_EXTRA}'],
      allowed_origins: [],
      max_body_bytes: 4194304,
      session_idle_timeout: 1800,
      max_sessions: 4096,
      max_connections: 768,
      state_dir: expect.stringMatching(/mcp-gateway$/),
      log_level: 'info',
      admin: { token: undefined, allow_stdio: false },
      backends: {
        tavily: {
          name: 'tavily',
          transport: 'stdio',
          description: '${DESC:-Web search}',
          enabled: true,
          idle_timeout: 300,
          timeout: 60,
          start_timeout: 30,
          warm: false,
          stateful: false,
          command: '${BIN}/tavily',
          args: ['--key=${TAVILY_API_KEY}', '--fixed', '--verbose', '${DESC}'],
          env: { TAVILY_API_KEY: '***', PLAIN: '***', ON: '***' },
          cwd: process.cwd(),
          scope: 'shared',
        },
        context7: {
          name: 'context7',
          transport: 'http',
          description: '',
          enabled: true,
          idle_timeout: 300,
          timeout: 60,
          start_timeout: 30,
          warm: false,
          stateful: false,
          url: 'http://localhost:8080/mcp',
          headers: { Authorization: '***', 'X-Static': '***' },
        },
      },
    });
  });

  it('lists env-derived, env and header values as secrets, longest first, skipping short ones', () => {
    expect(loaded.secrets).toEqual([
      'Bearer CANARY-context7-0b2c',
      'canary-host.example.com',
      'CANARY-context7-0b2c',
      'CANARY-description',
      'CANARY-tavily-7d1e',
      '/opt/CANARY-bin',
      'literal-value',
      'static-header',
      '40123',
    ]);
  });

  it('keeps environment values out of every error message', () => {
    const broken = [
      'port: ${DESC}', // a string where a number belongs
      'host: "${MULTILINE}"', // a line break from the environment
      'allowed_origins: ["${TAVILY_API_KEY}"]', // not an origin
      'backends:',
      '  bad:',
      '    command: "${BIN} | ${TAVILY_API_KEY}"', // shell operator
      '    http_url: "${CONTEXT7_TOKEN}"', // both, and not a URL
      '    headers: { Authorization: "${MULTILINE}" }',
      '    env: { K: "${TAVILY_API_KEY}" }',
      '  worse:',
      '    http_url: "https://x.example/${TAVILY_API_KEY}"',
      '    headers: { "X-K": "${TAVILY_API_KEY}" }',
      '    timeout: ${TAVILY_API_KEY}',
    ].join('\n');
    let error: unknown;
    try {
      parseConfig(broken, { path: 'servers.yaml', env: ENV });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { message, problems } = error as ConfigError;
    expect(problems.length).toBeGreaterThanOrEqual(7);
    expect(message).not.toMatch(/canary/i);
  });
});

describe('the admin token', () => {
  it('is printed as its template, or masked, and scrubbed from the logs', () => {
    const env = { ADMIN_TOKEN: 'CANARY-admin-token-1234567' };
    const fromEnv = parseConfig('admin:\n  token: ${ADMIN_TOKEN}\n', { path: 'servers.yaml', env });
    expect(fromEnv.config.admin).toEqual({ token: 'CANARY-admin-token-1234567', allow_stdio: false });
    expect(fromEnv.redacted).toMatchObject({ admin: { token: '${ADMIN_TOKEN}' } });
    expect(fromEnv.secrets).toContain('CANARY-admin-token-1234567');
    const literal = parseConfig('admin:\n  token: literal-admin-token-0001\n  allow_stdio: true\n', {
      path: 'servers.yaml',
      env: {},
    });
    expect(literal.redacted).toMatchObject({ admin: { token: '***', allow_stdio: true } });
    expect(literal.secrets).toContain('literal-admin-token-0001');
  });
});
