/**
 * The Host and Origin verdicts of hostCheck, which remembers a few Host verdicts: a remembered verdict is the same
 * as a fresh one, and a flood of distinct Host values neither grows the memory nor changes an answer.
 */
import { describe, expect, it } from 'vitest';
import { hostCheck } from '../../src/http/origin.js';

const policy = { bindHost: '127.0.0.1', allowedHosts: ['gw.example:8443'], allowedOrigins: [] };

describe('hostCheck', () => {
  it('answers the same for a Host asked again', () => {
    const refused = hostCheck(policy);
    for (let round = 0; round < 3; round++) {
      expect(refused('127.0.0.1:39400', undefined)).toBeUndefined();
      expect(refused('LOCALHOST:39400', undefined)).toBeUndefined();
      expect(refused('gw.example:8443', undefined)).toBeUndefined();
      expect(refused('gw.example:9000', undefined)).toBe('host');
      expect(refused('evil.example', undefined)).toBe('host');
      expect(refused(undefined, undefined)).toBe('host');
      expect(refused('127.0.0.1:39400', 'http://evil.example')).toBe('origin');
    }
  });

  it('keeps its answers through a flood of distinct Host values', () => {
    const refused = hostCheck(policy);
    for (let i = 0; i < 1_000; i++) {
      expect(refused(`evil-${i}.example`, undefined)).toBe('host');
      expect(refused(`127.0.0.${i % 256}:${i}`, undefined)).toBeUndefined();
    }
    expect(refused('evil-3.example', undefined)).toBe('host');
    expect(refused('localhost', undefined)).toBeUndefined();
  });
});
