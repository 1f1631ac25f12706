/**
 * @module state: what a backend is doing, as one union. Every transition goes through the supervisor's setState.
 */

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
