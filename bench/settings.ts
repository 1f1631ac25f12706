/**
 * @module bench/settings: what a run does, read once from the environment (BENCH_QUICK, BENCH_ROUNDS,
 * BENCH_DURATION_MS, BENCH_SESSIONS, BENCH_PROFILE_MS, BENCH_PROFILE_C, BENCH_ONLY, BENCH_GATEWAY, BENCH_PEERS_DIR): rounds, durations, the
 * concurrency blocks, where results go and the run's deadline.
 */
import { fileURLToPath } from 'node:url';

export const env = process.env;
export const QUICK = env.BENCH_QUICK === '1';
const int = (value: string | undefined, fallback: number) =>
  value !== undefined && Number.isFinite(Number(value)) && Number(value) > 0
    ? Math.floor(Number(value))
    : fallback;
export const SETTINGS = {
  quick: QUICK,
  rounds: int(env.BENCH_ROUNDS, QUICK ? 2 : 3),
  durationMs: int(env.BENCH_DURATION_MS, QUICK ? 250 : 1000),
  warmupMs: QUICK ? 100 : 200,
  maxCallsPerRound: 500_000,
  sessions: int(env.BENCH_SESSIONS, QUICK ? 200 : 1000),
  coldRounds: QUICK ? 2 : 3,
  profileMs: int(env.BENCH_PROFILE_MS, 5000),
  /** Concurrency of the profiled passthrough and invoke loads. */
  profileConcurrency: int(env.BENCH_PROFILE_C, 16),
  groups: (env.BENCH_ONLY ?? 'calibration,passthrough,list,peers,search,sessions,replicas,coldstart').split(
    ',',
  ),
  /** Another build measured instead of this one (BENCH_GATEWAY); null: this checkout's dist/. */
  gateway: env.BENCH_GATEWAY ?? null,
};
/** The quick run leaves out concurrency 64: it is a smoke test of every scenario kind, not a measurement. */
export const CONCURRENCY: Array<{ c: number; sharing: Sharing }> = [
  { c: 1, sharing: 'per-worker' as const },
  { c: 16, sharing: 'per-worker' as const },
  { c: 16, sharing: 'shared' as const },
  { c: 64, sharing: 'per-worker' as const },
  { c: 64, sharing: 'shared' as const },
].filter(({ c }) => !QUICK || c < 64);
export const RESULTS_DIR = fileURLToPath(new URL('../../bench/results/', import.meta.url));
/** The whole run is cut off here, whatever happens (a hung scenario must not hang the machine's CI). */
export const RUN_DEADLINE_MS = 15 * 60_000;

export type Sharing = 'per-worker' | 'shared';
