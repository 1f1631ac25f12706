/**
 * Secrets that arrive after the start (a backend the admin API adds, a reload) are scrubbed from log lines too, not
 * only from what clients read: the logger learns them when the change is applied.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, scrubFromLogs } from '../../src/log.js';
import { startGateway } from '../helpers/gateway.js';
import { startHttpBackend } from '../helpers/http-backend.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, destination };
}

describe('secrets learned at runtime', () => {
  it('are scrubbed from the lines of the logger and its children from then on', () => {
    const { lines, destination } = capture();
    const log = createLogger({ level: 'info', secrets: ['known-at-start-0001'], destination });
    const child = log.child({ backend: 'x' });
    child.info({ a: 'known-at-start-0001', b: 'learned-later-0002' }, 'before');
    scrubFromLogs(log, ['learned-later-0002']);
    child.info({ b: 'learned-later-0002' }, 'after');
    expect(lines[0]).toContain('learned-later-0002');
    expect(lines[0]).not.toContain('known-at-start-0001');
    expect(lines[1]).not.toContain('learned-later-0002');
    expect(lines[1]).toContain('[redacted]');
  });

  it("a backend the admin API adds brings its header values into the gateway's scrub list", async () => {
    const backend = await startHttpBackend({ tools: () => {} });
    const { lines, destination } = capture();
    const log = createLogger({ level: 'info', destination });
    const token = 'admin-token-for-the-log-test-0123';
    const gw = await startGateway(`admin:\n  token: ${token}\nbackends: {}\n`, { log });
    try {
      const secret = 'x-key-added-through-the-api-4567';
      const res = await fetch(`${gw.url}/api/v1/servers`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'late', http_url: backend.url, headers: { 'x-key': secret } }),
      });
      expect(res.status).toBe(201);
      log.child({ backend: 'late' }).warn({ header: secret }, 'a line that quotes it');
      expect(lines.join('')).not.toContain(secret);
      expect(lines.at(-1)).toContain('[redacted]');
    } finally {
      await gw.close();
      await backend.close();
    }
  });
});
