import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { bindRefusal } from '../../src/auth/bind-check.js';
import { loadConfigFile } from '../../src/config/index.js';
import { createGateway, type Gateway } from '../../src/daemon.js';
import { silentLogger } from '../../src/log.js';
import { REPO_ROOT, run } from './run.js';

// No Docker engine here: these tests read the Dockerfile as text and check what can be checked without building it.

interface Instruction {
  keyword: string;
  args: string;
  /** 0-based index of the stage (FROM) it belongs to. */
  stage: number;
}

/** Instructions with continuation lines joined and comments dropped (Docker drops them inside continuations too). */
function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let stage = -1;
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && !pending)) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    const full = (pending + line).trim();
    pending = '';
    if (!full) continue;
    const [keyword, ...rest] = full.split(/\s+/);
    if (keyword!.toUpperCase() === 'FROM') stage++;
    out.push({ keyword: keyword!.toUpperCase(), args: rest.join(' '), stage });
  }
  return out;
}

const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
const instructions = parseDockerfile(dockerfile);
const froms = instructions.filter((i) => i.keyword === 'FROM');
const finalStage = froms.length - 1;
const inFinal = (keyword: string) =>
  instructions.filter((i) => i.keyword === keyword && i.stage === finalStage);
const single = (keyword: string): Instruction => {
  const found = inFinal(keyword);
  expect(found, `exactly one ${keyword} in the final stage`).toHaveLength(1);
  return found[0]!;
};
/** The JSON array of an exec-form instruction; throws (fails the test) on shell form. */
const execForm = (args: string): string[] => {
  const value: unknown = JSON.parse(args);
  expect(Array.isArray(value) && value.every((v) => typeof v === 'string'), `exec form: ${args}`).toBe(true);
  return value as string[];
};
const healthcheckCommand = (): string[] => {
  const match = /^(?:--\S+\s+)*CMD\s+(\[.*\])$/.exec(single('HEALTHCHECK').args);
  expect(match, 'HEALTHCHECK [options] CMD ["…"]').not.toBeNull();
  return execForm(match![1]!);
};

describe('Dockerfile', () => {
  it('is multi-stage and pins every base image to an exact version and a digest', () => {
    expect(froms.length).toBeGreaterThanOrEqual(2);
    const stages = new Set<string>();
    for (const from of froms) {
      const [image, as, name] = from.args.split(/\s+/);
      if (!stages.has(image!)) {
        expect(image, 'image:X.Y.Z-variant@sha256:<digest>').toMatch(
          /^[a-z0-9./-]+:\d+\.\d+\.\d+[\w.-]*@sha256:[0-9a-f]{64}$/,
        );
      }
      if (as) {
        expect(as.toUpperCase()).toBe('AS');
        stages.add(name!);
      }
    }
    for (const copy of instructions.filter((i) => i.keyword === 'COPY' && i.args.startsWith('--from='))) {
      expect(stages, copy.args).toContain(/^--from=(\S+)/.exec(copy.args)![1]);
    }
  });

  it('runs as an unprivileged user', () => {
    const user = single('USER').args;
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    // Numeric, so that Kubernetes' runAsNonRoot can verify it without looking into /etc/passwd.
    expect(user).toMatch(/^[1-9]\d*:[1-9]\d*$/);
    // Nothing in the final stage runs after USER as root again.
    const lastUser = instructions.lastIndexOf(inFinal('USER')[0]!);
    expect(instructions.slice(lastUser).filter((i) => i.keyword === 'RUN')).toEqual([]);
  });

  it('exposes 39400 and starts the gateway in exec form, under tini, on 0.0.0.0 with the mounted config', () => {
    expect(single('EXPOSE').args).toBe('39400');
    const entrypoint = execForm(single('ENTRYPOINT').args);
    const cmd = execForm(single('CMD').args);
    expect(entrypoint).toEqual(['/usr/bin/tini', '--', 'mcp-gateway']);
    expect(cmd.join(' ')).toBe('serve --config /etc/mcp-gateway/servers.yaml --host 0.0.0.0');
    expect(
      inFinal('RUN')
        .map((r) => r.args)
        .join('\n'),
    ).toMatch(/install .*\btini\b/);
  });

  it('gives the gateway the memory setting of the systemd units', () => {
    expect(
      inFinal('ENV')
        .map((e) => e.args.split(/\s+/))
        .flat(),
    ).toContain('MALLOC_TRIM_THRESHOLD_=1048576');
  });

  it('health-checks /livez on the default port, in exec form, with a timeout', () => {
    const command = healthcheckCommand();
    expect(command[0]).toBe('node');
    expect(command.join(' ')).toContain('http://127.0.0.1:39400/livez');
    expect(single('HEALTHCHECK').args).toMatch(/--timeout=\d+s/);
  });

  it('copies only what exists in the build context and is not excluded by .dockerignore', () => {
    const ignored = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    const copies = instructions.filter((i) => i.keyword === 'COPY' && !i.args.startsWith('--from='));
    expect(copies.length).toBeGreaterThan(0);
    for (const copy of copies) {
      const sources = copy.args.split(/\s+/).slice(0, -1);
      for (const source of sources) {
        expect(existsSync(join(REPO_ROOT, source)), source).toBe(true);
        expect(
          ignored.some((p) => source === p || source.startsWith(`${p}/`)),
          `${source} ignored`,
        ).toBe(false);
      }
    }
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', '.git']));
  });

  it("ships a default config that loads, whose stdio backend exists at the image's path", async () => {
    const copy = inFinal('COPY').find((c) => c.args.endsWith(' /etc/mcp-gateway/servers.yaml'));
    expect(copy?.args).toBe('examples/docker/servers.yaml /etc/mcp-gateway/servers.yaml');
    const { config } = await loadConfigFile(join(REPO_ROOT, 'examples/docker/servers.yaml'), {});
    expect(config.host).toBe('0.0.0.0');
    // It must start on 0.0.0.0: beyond loopback the gateway refuses to run without authentication unless told so.
    expect(bindRefusal(config.host, config.auth)).toBeUndefined();
    const toolbox = config.backends.toolbox;
    expect(toolbox?.transport === 'stdio' && toolbox.args[0]).toBe(
      '/opt/mcp-gateway/dist/examples/backends/toolbox.js',
    );
    expect(inFinal('WORKDIR').at(-1)?.args).toBe('/opt/mcp-gateway');
    expect(inFinal('COPY').map((c) => c.args)).toContain('--from=build /src/dist/examples ./dist/examples');
    expect(existsSync(join(REPO_ROOT, 'dist/examples/backends/toolbox.js'))).toBe(true);
  });

  it('documents port publishing on the host loopback only, here and in the compose example', () => {
    expect(dockerfile).toContain('-p 127.0.0.1:39400:39400');
    const compose = parseYaml(readFileSync(join(REPO_ROOT, 'examples/docker/compose.yaml'), 'utf8')) as {
      services: Record<string, Record<string, unknown>>;
    };
    const service = compose.services['mcp-gateway']!;
    for (const port of service.ports as string[]) expect(port).toMatch(/^127\.0\.0\.1:/);
    expect(service.read_only).toBe(true);
    expect(service.cap_drop).toEqual(['ALL']);
    expect(service.volumes).toContain('./servers.yaml:/etc/mcp-gateway/servers.yaml:ro');
  });
});

describe('the HEALTHCHECK command', () => {
  let server: Server;
  let port: number;
  let status = 200;

  beforeAll(async () => {
    server = createServer((req, res) => {
      res.statusCode = req.url === '/livez' ? status : 404;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** Runs the Dockerfile's own health command against `targetPort` instead of 39400. */
  const probe = async (targetPort: number) => {
    const [program, ...args] = healthcheckCommand().map((a) => a.replace(':39400/', `:${targetPort}/`));
    expect(program).toBe('node');
    return (await run(process.execPath, args, { timeoutMs: 15_000 })).code;
  };

  it('exits 0 when /livez answers 200', async () => {
    status = 200;
    expect(await probe(port)).toBe(0);
  });

  it('exits 1 when /livez answers an error, or nothing listens', async () => {
    status = 503;
    expect(await probe(port)).toBe(1);
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect(await probe(closedPort)).toBe(1);
  });

  describe('against the real gateway', () => {
    let gateway: Gateway;
    let url: string;
    beforeAll(async () => {
      const { config } = await loadConfigFile(join(REPO_ROOT, 'examples/docker/servers.yaml'), {});
      gateway = createGateway({ ...config, host: '127.0.0.1', port: 0 }, silentLogger());
      url = await gateway.listen();
    });
    afterAll(() => gateway.close());

    it('passes against the real gateway, which serves /livez', async () => {
      expect(await probe(Number(new URL(url).port))).toBe(0);
    });
  });
});
