/**
 * @module cli helper: runs the command line in this process, as main.ts would, with its output captured and a
 * folder and environment of the test's choosing.
 */
import { runCli } from '../../src/cli.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function cli(
  argv: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    env: options.env ?? { HOME: options.cwd, PATH: process.env.PATH },
    cwd: options.cwd,
    stopSignal: () => new Promise(() => {}),
  });
  return { code, stdout, stderr };
}
