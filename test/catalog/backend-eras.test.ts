/**
 * The era of a backend, learnt once: a 2026-07-28 backend (SDK v2) is found modern by `server/discover`, a 2025
 * backend (SDK v1, sessions) legacy, a stdio one legacy without being asked; the verdict and the discover answer are
 * kept on the catalog entry under the backend's fingerprint, so that a second question and a restart ask nothing.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackendEras } from '../../src/catalog/backend-eras.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import { startHttpBackend, type HttpBackend } from '../helpers/http-backend.js';
import { until } from '../helpers/processes.js';
import { startModernBackend, type ModernBackend } from '../fixtures/modern-backend.js';

let modern: ModernBackend;
let legacy: HttpBackend;
const stateDir = mkdtempSync(join(tmpdir(), 'mcp-gateway-eras-'));
const gateways: RunningGateway[] = [];

const yaml = () => `
backends:
  modern:
    http_url: ${modern.url}
  legacy:
    http_url: ${legacy.url}
  stated:
    http_url: ${legacy.url}
    era: legacy
  toolbox:
    command: node dist/examples/backends/toolbox.js
`;

async function gateway(): Promise<RunningGateway> {
  const gw = await startGateway(yaml(), { discover: true, stateDir });
  gateways.push(gw);
  await until(
    () => gw.gateway.catalog.isIndexed('modern') && gw.gateway.catalog.isIndexed('legacy'),
    'indexed',
  );
  return gw;
}

const discovers = () =>
  modern.received.filter((r) => (r.body as { method?: string } | undefined)?.method === 'server/discover')
    .length;
const legacyDiscovers = () => legacyRequests.filter((m) => m === 'server/discover').length;
const legacyRequests: string[] = [];

beforeAll(async () => {
  modern = await startModernBackend();
  legacy = await startHttpBackend({
    tools: (server) => server.registerTool('ping_legacy', { description: 'pong' }, () => ({ content: [] })),
    intercept: (_req, _res, body) => {
      if (body) legacyRequests.push((JSON.parse(body) as { method?: string }).method ?? '');
      return false;
    },
  });
});

afterAll(async () => {
  for (const gw of gateways) await gw.close();
  await Promise.all([modern.close(), legacy.close()]);
  rmSync(stateDir, { recursive: true, force: true });
});

describe('the era of a backend', () => {
  it('asks modern first, trusts only a discover answer listing 2026-07-28, and asks once', async () => {
    const gw = await gateway();
    const eras = new BackendEras(gw.gateway.catalog, gw.gateway.registry);
    const found = await eras.of('modern');
    expect(found.era).toBe('modern');
    expect(found.discover?.supportedVersions).toContain('2026-07-28');
    expect((await eras.of('legacy')).era).toBe('legacy');
    expect(legacyDiscovers()).toBe(1);
    // Stated, or not HTTP: not asked.
    expect((await eras.of('stated')).era).toBe('legacy');
    expect((await eras.of('toolbox')).era).toBe('legacy');
    expect(legacyDiscovers()).toBe(1);
    // Asked again: answered from the catalog.
    await Promise.all([eras.of('modern'), eras.of('modern'), eras.of('legacy')]);
    expect(discovers()).toBe(1);
    expect(legacyDiscovers()).toBe(1);
    expect(gw.gateway.catalog.eraOf('modern')).toMatchObject({ era: 'modern' });
    await gw.gateway.catalog.flush();
    const file = JSON.parse(readFileSync(join(stateDir, 'catalog.json'), 'utf8')) as {
      servers: Record<string, { fingerprint: string; era?: { era: string; discover?: unknown } }>;
    };
    expect(file.servers.modern?.era?.era).toBe('modern');
    expect(file.servers.modern?.era?.discover).toMatchObject({ supportedVersions: ['2026-07-28'] });
    expect(file.servers.legacy?.era?.era).toBe('legacy');
    await gw.close();
  });

  it('is not asked again after a restart', async () => {
    const gw = await gateway();
    const eras = new BackendEras(gw.gateway.catalog, gw.gateway.registry);
    expect((await eras.of('modern')).era).toBe('modern');
    expect((await eras.of('modern')).discover).toBeDefined();
    expect((await eras.of('legacy')).era).toBe('legacy');
    expect(discovers()).toBe(1);
    expect(legacyDiscovers()).toBe(1);
  });
});
