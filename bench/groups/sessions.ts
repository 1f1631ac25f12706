/**
 * @module bench/groups/sessions: what idle client sessions cost the gateway: its settled RSS when idle, with one
 * session, then after opening many sessions on /mcp/<stdio backend>, /mcp and /mcp/<HTTP backend>, and how many
 * child processes it has.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { checkText, openSessions } from '../calls.js';
import { HTTP_BACKEND, STDIO_BACKEND, writeEchoConfig } from '../fixtures.js';
import { median } from '../loop.js';
import { HttpMcpSession, createAgent } from '../mcp-client.js';
import { mb } from '../measure.js';
import { SERVICE_ENV, startGateway, type StartedEcho } from '../processes.js';
import { childPids, rssBytes } from '../procfs.js';
import { QUICK, SETTINGS } from '../settings.js';

export interface SessionsResult {
  sessions: number;
  idleRssMb: number | null;
  /** After one /mcp/echo-stdio session and one call (the shared backend process is running). */
  oneSessionRssMb: number | null;
  steps: Array<{
    endpoint: string;
    count: number;
    rssMb: number | null;
    addedMb: number | null;
    perSessionKb: number | null;
    children: number;
  }>;
  httpBackendRssMb: number | null;
  /** The first step again, on a gateway started without the service files' malloc setting (SERVICE_ENV). */
  stdioStepWithoutServiceEnv: { addedMb: number | null };
}

/** RSS after the process settles: the median of three readings 250 ms apart. */
async function settledRss(pid: number): Promise<number | null> {
  await delay(QUICK ? 250 : 750);
  const readings: number[] = [];
  for (let i = 0; i < 3; i++) {
    const rss = rssBytes(pid);
    if (rss !== null) readings.push(rss);
    await delay(QUICK ? 100 : 250);
  }
  return readings.length ? mb(median(readings)) : null;
}

export async function sessionsGroup(
  dir: string,
  httpUrl: string,
  catalogFrom: string,
  http: StartedEcho,
): Promise<SessionsResult> {
  const configPath = writeEchoConfig(join(dir, 'sessions'), httpUrl);
  mkdirSync(join(dir, 'sessions', 'state'), { recursive: true });
  copyFileSync(catalogFrom, join(dir, 'sessions', 'state', 'catalog.json'));
  const main = await measureSessions(configPath, http, undefined, 3);
  const env = { ...process.env };
  for (const name of Object.keys(SERVICE_ENV)) delete env[name];
  const without = await measureSessions(configPath, http, env, 1);
  return { ...main, stdioStepWithoutServiceEnv: { addedMb: without.steps[0]?.addedMb ?? null } };
}

/** Idle RSS, one session, then the first `stepsToTake` steps of sessions, on a gateway started in `env`. */
async function measureSessions(
  configPath: string,
  http: StartedEcho,
  env: NodeJS.ProcessEnv | undefined,
  stepsToTake: number,
): Promise<Omit<SessionsResult, 'stdioStepWithoutServiceEnv'>> {
  const gateway = await startGateway(configPath, env ? { env } : {});
  try {
    const idleRssMb = await settledRss(gateway.pid);
    const first = await HttpMcpSession.open(createAgent(4), `${gateway.url}/mcp/${STDIO_BACKEND}`);
    checkText(await first.request('tools/call', { name: 'echo', arguments: { text: 'x' } }), 'x');
    const oneSessionRssMb = await settledRss(gateway.pid);
    const steps: SessionsResult['steps'] = [];
    let before = oneSessionRssMb;
    // Remote backends get a backend session per client session: fewer of them, enough for a per-session figure.
    const plan = [
      { endpoint: `/mcp/${STDIO_BACKEND}`, count: SETTINGS.sessions },
      { endpoint: '/mcp', count: SETTINGS.sessions },
      { endpoint: `/mcp/${HTTP_BACKEND}`, count: Math.min(250, SETTINGS.sessions) },
    ];
    for (const { endpoint, count } of plan.slice(0, stepsToTake)) {
      process.stderr.write(`  ${count} idle sessions on ${endpoint} …\n`);
      await openSessions(16, `${gateway.url}${endpoint}`, count);
      const rssMb = await settledRss(gateway.pid);
      const addedMb = rssMb === null || before === null ? null : rssMb - before;
      steps.push({
        endpoint,
        count,
        rssMb,
        addedMb,
        perSessionKb: addedMb === null ? null : (addedMb * 1024) / count,
        children: childPids(gateway.pid).length,
      });
      before = rssMb;
    }
    return {
      sessions: SETTINGS.sessions,
      idleRssMb,
      oneSessionRssMb,
      steps,
      httpBackendRssMb: mb(rssBytes(http.pid)),
    };
  } finally {
    await gateway.stop();
  }
}
