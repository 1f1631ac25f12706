/** @module config/errors — the one error type the configuration module throws. */

/**
 * Every problem found in a configuration, each already formatted as `FILE:LINE:COL path: message`.
 * Thrown rather than returned because a gateway cannot run on a broken configuration: the caller
 * (cli / daemon) prints `message` and exits.
 */
export class ConfigError extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}
