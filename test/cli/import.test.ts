/**
 * `mcp-gateway import`: a file of each client's format, written here, becomes backends that the gateway's own
 * parser accepts with the same programs, arguments, environment and URLs; names follow the backend rule; literal
 * credentials are kept and flagged on stderr, never printed there; `--into` merges and keeps the file's comments.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import type { StdioBackendConfig, HttpBackendConfig } from '../../src/config/index.js';
import { cli } from '../helpers/cli.js';

const scratch = mkdtempSync(join(tmpdir(), 'mcp-gateway-import-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let folders = 0;
/** Writes `content` at `relative` inside a folder of its own; returns the folder and the file's path. */
function write(relative: string, content: unknown): { dir: string; file: string } {
  const dir = join(scratch, `case-${++folders}`);
  const file = join(dir, relative);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return { dir, file };
}

/** The printed YAML through the gateway's own parser; every `${VAR}` it uses set, as the service would have it. */
function parsePrinted(yaml: string, env: NodeJS.ProcessEnv = {}) {
  return parseConfig(yaml, { path: join(scratch, 'printed.yaml'), env }).config.backends;
}

const LITERAL_TOKEN = 'ghp_0123456789abcdefghijklmnopqrstuvwxyz';

describe('mcp-gateway import', () => {
  it('Claude Desktop: stdio servers with their arguments and environment, names made backend names', async () => {
    const { dir, file } = write('claude_desktop_config.json', {
      mcpServers: {
        GitHub: {
          command: 'npx',
          args: ['-y', '@modelcontextprotocol/server-github'],
          env: { GITHUB_PERSONAL_ACCESS_TOKEN: LITERAL_TOKEN, LOG_LEVEL: 'debug', RETRIES: 3 },
        },
        'My Files': { command: '/opt/My App/bin/server', args: ['--root', '/srv/a b', "it's"] },
        admin: { command: 'uvx', args: ['mcp-server-admin'], autoApprove: ['x'] },
        github: { command: 'node', args: ['other.js'] },
        broken: { type: 'websocket', url: 'ws://127.0.0.1:1' },
      },
    });
    const run = await cli(['import', file], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^# Imported from .*claude_desktop_config\.json \(Claude Desktop\)/);

    const backends = parsePrinted(run.stdout);
    expect(Object.keys(backends)).toEqual(['github', 'my-files', 'admin-server', 'github-2']);
    const github = backends.github as StdioBackendConfig;
    expect([github.command, ...github.args]).toEqual(['npx', '-y', '@modelcontextprotocol/server-github']);
    expect(github.env).toEqual({
      GITHUB_PERSONAL_ACCESS_TOKEN: LITERAL_TOKEN,
      LOG_LEVEL: 'debug',
      RETRIES: '3',
    });
    // A path with spaces stays one program; arguments with spaces and quotes stay whole.
    const files = backends['my-files'] as StdioBackendConfig;
    expect([files.command, ...files.args]).toEqual(['/opt/My App/bin/server', '--root', '/srv/a b', "it's"]);

    // The credential is kept (the server must keep working) and flagged, with the variable to use instead...
    expect(run.stderr).toContain(
      'github: warning: env.GITHUB_PERSONAL_ACCESS_TOKEN looks like a literal credential: write ' +
        'GITHUB_PERSONAL_ACCESS_TOKEN: ${GITHUB_PERSONAL_ACCESS_TOKEN}',
    );
    // ...but its value never reaches stderr.
    expect(run.stderr).not.toContain(LITERAL_TOKEN);
    expect(run.stderr).not.toMatch(/LOG_LEVEL.*credential/);
    expect(run.stderr).toContain('admin-server: named admin-server (was "admin" in mcpServers.admin)');
    expect(run.stderr).toContain('admin-server: not carried over (not used by the gateway): autoApprove');
    expect(run.stderr).toContain(
      'not imported: mcpServers.broken: type "websocket" is not one the gateway speaks',
    );
  });

  it('Claude Code .mcp.json: stdio, http and sse by type, headers, ${VAR} kept, the project as cwd', async () => {
    const { dir, file } = write('project/.mcp.json', {
      mcpServers: {
        db: { type: 'stdio', command: 'npx', args: ['-y', 'db-mcp', '${DB_URL:-postgres://localhost/db}'] },
        api: {
          type: 'http',
          url: 'https://api.example.com/mcp',
          headers: { Authorization: 'Bearer ${API_TOKEN}', 'X-Team': 'core' },
        },
        legacy: { type: 'sse', url: 'https://legacy.example.com/events' },
        plain: { type: 'http', url: 'https://plain.example.com/sse' },
      },
    });
    const run = await cli(['import', file], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('is a Claude Code configuration with 4 servers');
    expect(run.stderr).not.toContain('warning');
    const backends = parsePrinted(run.stdout, { API_TOKEN: 'secret-value' });
    const db = backends.db as StdioBackendConfig;
    expect(db.args).toEqual(['-y', 'db-mcp', 'postgres://localhost/db']);
    expect(db.cwd).toBe(join(dir, 'project'));
    const api = backends.api as HttpBackendConfig;
    expect(api).toMatchObject({
      transport: 'http',
      url: 'https://api.example.com/mcp',
      headers: { Authorization: 'Bearer secret-value', 'X-Team': 'core' },
    });
    expect(backends.legacy).toMatchObject({ transport: 'sse', url: 'https://legacy.example.com/events' });
    // The type wins over the /sse naming convention the gateway would otherwise infer from.
    expect(backends.plain).toMatchObject({ transport: 'http' });
  });

  it("~/.claude.json: the user's servers and each project's (run in the project), a repeated one once", async () => {
    const time = { command: 'npx', args: ['-y', 'mcp-time'] };
    const { dir, file } = write('home/.claude.json', {
      numStartups: 12,
      mcpServers: { time },
      projects: {
        '/src/shop': { mcpServers: { time, db: { command: 'shop-db' } }, allowedTools: [] },
        '/src/blog': { mcpServers: { db: { command: 'blog-db' } } },
        '/src/copy': { mcpServers: { db: { command: 'blog-db', cwd: '/src/blog' } } },
        '/src/empty': { mcpServers: {} },
      },
    });
    const run = await cli(['import', file], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    const backends = parsePrinted(run.stdout);
    expect(Object.keys(backends)).toEqual(['time', 'time-shop', 'db', 'db-blog']);
    expect(backends.time).toMatchObject({ cwd: join(scratch, 'printed.yaml', '..') });
    expect(backends['time-shop']).toMatchObject({ cwd: '/src/shop' });
    expect(backends.db).toMatchObject({ command: 'shop-db', cwd: '/src/shop' });
    expect(backends['db-blog']).toMatchObject({ command: 'blog-db', cwd: '/src/blog' });
    expect(run.stderr).toContain('named db-blog (was "db" in projects["/src/blog"].mcpServers.db)');
  });

  it('Cursor: url for remote servers (transport inferred), command for local ones', async () => {
    const { dir, file } = write('.cursor/mcp.json', {
      mcpServers: {
        linear: { url: 'https://mcp.linear.app/sse' },
        context7: {
          url: 'https://mcp.context7.com/mcp',
          headers: { CONTEXT7_API_KEY: 'ctx7sk-1234567890abcdef' },
        },
        local: { command: 'node', args: ['${workspaceFolder}/server.js'], env: { HOME_DIR: '${userHome}' } },
      },
    });
    const run = await cli(['import', file], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('is a Cursor configuration with 3 servers');
    const backends = parsePrinted(run.stdout, { HOME: '/home/me' });
    expect(backends.linear).toMatchObject({ transport: 'sse', url: 'https://mcp.linear.app/sse' });
    expect(backends.context7).toMatchObject({ transport: 'http' });
    expect(run.stderr).toContain(
      'context7: warning: headers.CONTEXT7_API_KEY looks like a literal credential: write ' +
        'CONTEXT7_API_KEY: "${CONTEXT7_CONTEXT7_API_KEY}"',
    );
    // .cursor/mcp.json of a project: ${workspaceFolder} is that project.
    expect(backends.local).toMatchObject({
      args: [join(dir, 'server.js')],
      env: { HOME_DIR: '/home/me' },
      cwd: dir,
    });
  });

  it('VS Code: servers, inputs as variables, ${env:…}, comments and trailing commas', async () => {
    const { dir, file } = write(
      '.vscode/mcp.json',
      `// VS Code writes comments in this file
{
  "inputs": [
    { "type": "promptString", "id": "github-token", "description": "GitHub Personal Access Token", "password": true },
  ],
  "servers": {
    "github": {
      "type": "http",
      "url": "https://api.githubcopilot.com/mcp/",
      "headers": { "Authorization": "Bearer \${input:github-token}" }, /* asked once */
    },
    "fetch": { "type": "stdio", "command": "uvx", "args": ["mcp-server-fetch"], "env": { "PROXY": "\${env:HTTPS_PROXY}" } },
    "Playwright": { "command": "npx", "args": ["@playwright/mcp@latest"], "envFile": "\${workspaceFolder}/.env" },
  },
}
`,
    );
    const run = await cli(['import', file], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('is a VS Code configuration with 3 servers');
    expect(run.stderr).toContain(
      'github: ${input:github-token} (GitHub Personal Access Token) became ${GITHUB_TOKEN}: the gateway asks nobody, ' +
        'so set GITHUB_TOKEN in its environment',
    );
    expect(run.stderr).toContain('playwright: envFile is not read by the gateway');
    expect(run.stdout).toContain('Authorization: Bearer ${GITHUB_TOKEN}');
    const backends = parsePrinted(run.stdout, { GITHUB_TOKEN: 't', HTTPS_PROXY: 'http://proxy:3128' });
    expect(backends.github).toMatchObject({ headers: { Authorization: 'Bearer t' } });
    expect(backends.fetch).toMatchObject({ command: 'uvx', env: { PROXY: 'http://proxy:3128' } });
    expect(backends.playwright).toMatchObject({ command: 'npx', cwd: dir });
  });

  it('refuses what is not a client config, and a file with no servers, with exit 1', async () => {
    const notClient = write('settings.json', { editor: { fontSize: 12 } });
    const run = await cli(['import', notClient.file], { cwd: notClient.dir });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('is not an MCP client configuration: it has neither "mcpServers"');
    const empty = write('claude_desktop_config.json', { mcpServers: {} });
    expect((await cli(['import', empty.file], { cwd: empty.dir })).stderr).toContain(
      'declares no MCP servers',
    );
    const broken = write('mcp.json', '{ "mcpServers": { "a": } }');
    const syntax = await cli(['import', broken.file], { cwd: broken.dir });
    expect(syntax.code).toBe(1);
    expect(syntax.stderr).toMatch(/mcp\.json: Unexpected token '}'\n$/);
    writeFileSync(broken.file, '{\n  "mcpServers": {\n    "a": {} "b": {}\n  }\n}');
    expect((await cli(['import', broken.file], { cwd: broken.dir })).stderr).toMatch(
      /mcp\.json:3:13 Expected ','/,
    );
    expect((await cli(['import', join(scratch, 'missing.json')], { cwd: scratch })).stderr).toContain(
      'ENOENT',
    );
    expect((await cli(['import'], { cwd: scratch })).code).toBe(2);
  });

  describe('--into', () => {
    const client = {
      mcpServers: {
        time: { command: 'uvx', args: ['mcp-server-time'] },
        web: { url: 'http://127.0.0.1:8080/mcp' },
      },
    };
    const existing = [
      '# My gateway. Keep this comment.',
      'port: 39400 # the usual port',
      '',
      'backends:',
      '  # the calculator I use every day',
      '  calc:',
      "    command: 'node calc.js'",
      '',
    ].join('\n');

    it('adds the backends under backends:, keeps every comment, and says what it added', async () => {
      const { dir, file } = write('claude_desktop_config.json', client);
      const into = join(dir, 'servers.yaml');
      writeFileSync(into, existing);
      const run = await cli(['import', file, '--into', 'servers.yaml'], { cwd: dir });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain(`Added 2 backends to ${into}: time, web`);
      const merged = readFileSync(into, 'utf8');
      expect(merged.startsWith(existing.trimEnd())).toBe(true);
      expect(merged).toContain('# Imported from ');
      expect(Object.keys(parseConfig(merged, { path: into, env: {} }).config.backends)).toEqual([
        'calc',
        'time',
        'web',
      ]);
      expect((await cli(['check', '-c', into], { cwd: dir })).code).toBe(0);
    });

    it('refuses names already there unless --force, which replaces them in place', async () => {
      const { dir, file } = write('claude_desktop_config.json', {
        mcpServers: { calc: { command: 'python3', args: ['calc.py'] }, time: { command: 'uvx' } },
      });
      const into = join(dir, 'servers.yaml');
      writeFileSync(into, existing);
      const refused = await cli(['import', file, '--into', into], { cwd: dir });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('already has a backend named calc: nothing was changed');
      expect(readFileSync(into, 'utf8')).toBe(existing);

      const forced = await cli(['import', file, '--into', into, '--force'], { cwd: dir });
      expect(forced.code, forced.stderr).toBe(0);
      expect(forced.stdout).toContain(`Replaced in ${into}: calc`);
      const merged = readFileSync(into, 'utf8');
      expect(merged).toContain('# the calculator I use every day\n  calc:\n    command: python3');
      expect(parseConfig(merged, { path: into, env: {} }).config.backends.calc).toMatchObject({
        args: ['calc.py'],
      });
    });

    it('creates the file when it does not exist', async () => {
      const { dir, file } = write('.mcp.json', client);
      const run = await cli(['import', file, '--into', 'new/servers.yaml'], { cwd: dir });
      // The folder must exist: a typo in it should not create a tree.
      expect(run.code).toBe(1);
      const created = await cli(['import', file, '--into', 'servers.yaml'], { cwd: dir });
      expect(created.code, created.stderr).toBe(0);
      expect(created.stdout).toContain('Wrote 2 backends to');
      expect((await cli(['check', '-c', 'servers.yaml'], { cwd: dir })).code).toBe(0);
    });
  });
});

describe('mcp-gateway check on a client config', () => {
  it.each([
    [
      'claude_desktop_config.json',
      { mcpServers: { a: { command: 'x' } } },
      'a Claude Desktop configuration ("mcpServers")',
    ],
    ['.vscode/mcp.json', { servers: { a: { command: 'x' } } }, 'a VS Code configuration ("servers")'],
    ['mcp.json', { mcpServers: {} }, 'a Claude Desktop, Claude Code or Cursor configuration ("mcpServers")'],
  ])('%s: says what it is and how to import it, exit 1', async (name, content, what) => {
    const { dir, file } = write(name, content);
    const run = await cli(['check', '-c', file], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${file} is ${what}, not a servers.yaml`);
    expect(run.stderr).toContain(`mcp-gateway import ${file}`);
    expect(run.stderr).not.toContain('unknown key');
  });

  it('a servers.yaml with a stray servers: key still gets the ordinary errors', async () => {
    const { dir, file } = write('servers.yaml', 'backends: {}\nservers: {}\n');
    const run = await cli(['check', '-c', file], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('servers: unknown key');
  });
});
