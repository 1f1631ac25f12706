/**
 * @module young-generation: keeps V8's young generation at its initial size until the gateway serves. A start
 * promotes ~7 MB that lives on (module top levels, the config, the catalog, the first discovery); at V8's default
 * growth factor every scavenge that promotes more than the new space holds doubles it, and a gateway that then sits
 * idle keeps 2 × 4 MB of semi-spaces it does not use (~5 MB of RSS). The default factor is restored by the first
 * request (daemon.ts) or when `mcp-gateway stdio` starts serving (cli.ts): a gateway under load grows its young
 * generation as it always did, so throughput is unchanged.
 *
 * The hold is taken when this module is evaluated: main.ts imports it first, before the other modules evaluate.
 * The compile cache (scripts/bundle.mjs) is made after the warm-up's requests, with V8's flags back at their
 * defaults, as the launcher compiles with them.
 */
import { setFlagsFromString } from 'node:v8';

/** V8's default `--semi-space-growth-factor`. */
const DEFAULT_GROWTH_FACTOR = 2;

let held = false;
// Only when nothing else sized the young generation (node's flags or NODE_OPTIONS).
if (![...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((arg) => arg.includes('semi-space'))) {
  setFlagsFromString('--semi-space-growth-factor=1');
  held = true;
}

/** Restores the default growth factor; idempotent. */
export function releaseYoungGeneration(): void {
  if (!held) return;
  held = false;
  setFlagsFromString(`--semi-space-growth-factor=${DEFAULT_GROWTH_FACTOR}`);
}
