/**
 * @module exit-codes: the exit codes every command returns, documented in the README; scripts and service managers
 * rely on them. A leaf, so that the command modules below cli.ts use the same numbers.
 */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
