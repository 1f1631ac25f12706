/**
 * @module promtool helper: whether Prometheus's promtool is here (Debian's `prometheus` package ships it; .ci/run
 * installs it), and the rule that tests needing it skip only on a developer's machine, never in CI.
 */
import { spawnSync } from 'node:child_process';
import { expect } from 'vitest';

export const PROMTOOL = spawnSync('promtool', ['--version']).status === 0;

/** In CI a missing promtool is a failure, never a silent skip. */
export const PROMTOOL_REQUIRED = ['true', '1'].includes(process.env.CI ?? '');

/** For `skipIf`: skip only when promtool is absent and this is not CI. */
export const SKIP_WITHOUT_PROMTOOL = !PROMTOOL && !PROMTOOL_REQUIRED;

export function requirePromtool(): void {
  expect(PROMTOOL, 'promtool is not installed (apt-get install prometheus; .ci/run does)').toBe(true);
}
