/**
 * @module stdio-gateway: the composition of `mcp-gateway stdio`: the gateway's core (gateway-core.ts) serving one
 * client on stdin/stdout, its backends run by this process. It ends when the client does (stdin closed, stdout
 * broken) or on a stop signal, and then stops every backend it started.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { GatewayConfig } from './config/index.js';
import type { Logger } from './log.js';
import { createCore, reapEndedLedgers } from './gateway-core.js';
import { serveStdio, type StdioStreams, type StdioSurface } from './stdio/stdio-server.js';
import { VERSION } from './version.js';

/**
 * Each stdio gateway keeps its own ledger of backend processes (`<prefix><pid>.json`): several run at once beside a
 * daemon on the same state directory, and none may take another's running backends for leftovers.
 */
export const STDIO_LEDGER_PREFIX = 'backend-processes.stdio-';

export interface StdioGatewayOptions {
  maxCallMs: number;
  /** How long calls in flight may finish once the client has closed stdin (their answers can still be written). */
  shutdownGraceMs: number;
  /** Resolves when the process is told to stop (SIGTERM, SIGINT). */
  stopSignal: Promise<string>;
  discover?: boolean;
  /** The flat surface instead of the meta-tools, and the profile that filters what the client sees. */
  surface?: StdioSurface;
}

export async function runStdioGateway(
  config: GatewayConfig,
  log: Logger,
  streams: StdioStreams,
  options: StdioGatewayOptions,
): Promise<void> {
  const ledgerFile = `${STDIO_LEDGER_PREFIX}${process.pid}.json`;
  reapEndedLedgers(config.state_dir, STDIO_LEDGER_PREFIX, log);
  const core = createCore(config, log, {
    maxCallMs: options.maxCallMs,
    ledgerFile,
    ...(options.discover !== undefined ? { discover: options.discover } : {}),
  });
  const session = await serveStdio(core.meta, VERSION, streams, log, options.surface);
  core.start();
  log.info(
    { backends: core.registry.names(), pipelines: core.pipelines.size },
    'mcp-gateway serving on stdio',
  );

  const reason = await Promise.race([session.ended, options.stopSignal]);
  log.info({ reason }, 'stopping');
  // With stdout gone no answer can be delivered: nothing to wait for.
  await core.drain(reason.startsWith('stdout') ? 0 : options.shutdownGraceMs);
  await session.close();
  await core.close();
  rmSync(join(config.state_dir, ledgerFile), { force: true });
  log.info('gateway stopped');
}
