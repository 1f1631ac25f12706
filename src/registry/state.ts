/**
 * @module state: what a backend is doing, as one union. Every transition goes through the supervisor's setState.
 */
import type { BackendStateLabel } from '../metrics/labels.js';

export type BackendState =
  /** Never started, or stopped by the gateway. */
  | { kind: 'stopped' }
  | { kind: 'starting'; since: number }
  | { kind: 'running'; since: number }
  /** Stopped after sitting idle; the next use starts it again. */
  | { kind: 'hibernated'; since: number }
  /** Failed recently; tried again on the first use after `until`. */
  | { kind: 'backoff'; until: number }
  /** Failed too often in a short time; not tried again before `until` unless restarted by hand or by a reload. */
  | { kind: 'failed'; until: number };

export type BackendStateName = BackendState['kind'];

// Fails to compile when a state is added here and not to the metric's label set (its gauge series would be missing).
const _everyStateHasASeries: Exclude<BackendStateName, BackendStateLabel> extends never ? true : never = true;
void _everyStateHasASeries;
