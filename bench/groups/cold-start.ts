/**
 * @module bench/groups/cold-start: time from spawning the gateway to its listening and to its first tools/list answer
 * on /mcp (no catalog, a persisted catalog, a large installation), against a Node process that does nothing.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { writeEchoConfig } from '../fixtures.js';
import { median } from '../loop.js';
import { HttpMcpSession, createAgent } from '../mcp-client.js';
import { startGateway } from '../processes.js';
import { SETTINGS } from '../settings.js';

export interface ColdStartResult {
  variant: string;
  rounds: number;
  /** spawn → the gateway logs that it listens. */
  listeningMs: number;
  /** spawn → first successful tools/list on /mcp (initialize, initialized, tools/list). */
  firstAnswerMs: number;
  samples: number[];
}

export async function coldStartGroup(
  dir: string,
  httpUrl: string,
  catalogFrom: string,
  largeConfig: string | undefined,
): Promise<ColdStartResult[]> {
  const results: ColdStartResult[] = [];
  // The floor: a Node process that does nothing.
  const bare: number[] = [];
  for (let r = 0; r < SETTINGS.coldRounds; r++) {
    const t0 = performance.now();
    await new Promise<void>((resolve) =>
      spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' }).once('exit', () => resolve()),
    );
    bare.push(performance.now() - t0);
  }
  results.push({
    variant: 'node -e 0 (floor)',
    rounds: bare.length,
    listeningMs: NaN,
    firstAnswerMs: median(bare),
    samples: bare,
  });

  const variants: Array<{ variant: string; config: (round: number) => string }> = [
    {
      variant: 'no catalog (2 backends, discovery runs)',
      config: (round) => writeEchoConfig(join(dir, `cold-empty-${round}`), httpUrl),
    },
    {
      variant: 'persisted catalog (2 backends)',
      config: (round) => {
        const path = writeEchoConfig(join(dir, `cold-persisted-${round}`), httpUrl);
        mkdirSync(join(dir, `cold-persisted-${round}`, 'state'), { recursive: true });
        copyFileSync(catalogFrom, join(dir, `cold-persisted-${round}`, 'state', 'catalog.json'));
        return path;
      },
    },
  ];
  if (largeConfig)
    variants.push({ variant: 'persisted catalog (10,000 tools, ~750 backends)', config: () => largeConfig });
  for (const { variant, config } of variants) {
    process.stderr.write(`  cold start: ${variant} …\n`);
    const listening: number[] = [];
    const answered: number[] = [];
    for (let r = 0; r < SETTINGS.coldRounds; r++) {
      const configPath = config(r);
      const gateway = await startGateway(configPath);
      try {
        const agent = createAgent(2);
        const session = await HttpMcpSession.open(agent, `${gateway.url}/mcp`);
        const result = (await session.request('tools/list')) as { tools?: unknown[] };
        const t = performance.now();
        if (!result.tools?.length) throw new Error('tools/list on /mcp came back empty');
        listening.push(gateway.readyAt - gateway.spawnedAt);
        answered.push(t - gateway.spawnedAt);
        agent.destroy();
      } finally {
        await gateway.stop();
      }
    }
    results.push({
      variant,
      rounds: answered.length,
      listeningMs: median(listening),
      firstAnswerMs: median(answered),
      samples: answered,
    });
  }
  return results;
}
