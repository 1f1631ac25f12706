/**
 * A backend flooding stdout with non-protocol lines: 2 MiB of short lines (262,144 of them) used to write as many
 * warn lines to the log. Now each second logs a few of them and one line counting the rest, and calls go on.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { GARBAGE_PER_SECOND, StdioProcessTransport } from '../../src/backends/stdio-process.js';
import { connectClient, firstText, startGateway, type RunningGateway } from '../helpers/gateway.js';
import { until } from '../helpers/processes.js';

const LINES = 262_144;
const logLines: Array<{ msg: string; stdout?: string; backend?: string }> = [];
let gw: RunningGateway;

beforeAll(async () => {
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line) logLines.push(JSON.parse(line));
      done();
    },
  });
  gw = await startGateway('backends:\n  flood:\n    command: node dist/test/fixtures/faulty-server.js\n', {
    log: createLogger({ level: 'warn', destination }),
  });
});

afterAll(async () => {
  await gw?.close();
});

/** How many skipped lines a summary reports, or 0. */
const counted = (text: string | undefined) =>
  Number(/^(\d+) more non-protocol lines/.exec(text ?? '')?.[1] ?? 0);

describe('non-protocol lines on a backend stdout', () => {
  it('2 MiB of short lines: a few log lines and a count, and the session goes on', async () => {
    const { client } = await connectClient(`${gw.url}/mcp/flood`);
    expect(firstText(await client.callTool({ name: 'flood', arguments: { lines: LINES } }))).toBe(
      `flooded ${LINES}`,
    );
    const garbage = () => logLines.filter((l) => l.msg.includes('non-protocol line'));
    // Every line is accounted for: logged one by one, or counted in a summary (after its second ends).
    await until(
      () => garbage().reduce((n, l) => n + (counted(l.stdout) || 1), 0) === LINES,
      'every line accounted for',
    );
    expect(garbage().length).toBeLessThanOrEqual(4 * (GARBAGE_PER_SECOND + 1));
    expect(garbage().some((l) => counted(l.stdout) > 0)).toBe(true);
    expect(firstText(await client.callTool({ name: 'echo', arguments: { message: 'still here' } }))).toBe(
      'still here',
    );
    await client.close();
  });

  it('the count of a flood that ends with the process is reported at its exit', async () => {
    const reported: string[] = [];
    const transport = new StdioProcessTransport({
      command: process.execPath,
      args: ['-e', `process.stdout.write('garbage\\n'.repeat(${LINES}))`],
      env: { PATH: process.env.PATH ?? '' },
      cwd: process.cwd(),
      onGarbage: (text) => reported.push(text),
    });
    const closed = new Promise<void>((resolve) => (transport.onclose = resolve));
    const started = Date.now();
    await transport.start();
    await closed;
    const seconds = Math.ceil((Date.now() - started) / 1000);
    expect(reported.slice(0, GARBAGE_PER_SECOND)).toEqual(Array(GARBAGE_PER_SECOND).fill('garbage'));
    expect(reported.reduce((n, text) => n + (counted(text) || 1), 0)).toBe(LINES);
    // At most the lines of each second the flood lasted and one count for each (a busy machine takes longer).
    expect(reported.length).toBeLessThanOrEqual((seconds + 1) * (GARBAGE_PER_SECOND + 1));
  });
});
