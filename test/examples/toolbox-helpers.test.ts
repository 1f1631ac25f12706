import { describe, expect, it } from 'vitest';
import { decodeBase64, encodeBase64 } from '../../examples/backends/base64.js';
import { zonedTime } from '../../examples/backends/clock.js';

describe('zonedTime', () => {
  const instant = new Date('2025-01-15T12:34:56.789Z');

  it('formats an instant with the zone offset, in winter and summer', () => {
    expect(zonedTime('Europe/Berlin', instant)).toEqual({
      ok: true,
      iso: '2025-01-15T13:34:56.789+01:00',
      utc: '2025-01-15T12:34:56.789Z',
      timezone: 'Europe/Berlin',
      utc_offset: '+01:00',
      weekday: 'Wednesday',
    });
    expect(zonedTime('Europe/Berlin', new Date('2025-07-01T00:00:00Z'))).toMatchObject({
      iso: '2025-07-01T02:00:00.000+02:00',
    });
  });

  it('handles negative, fractional and zero offsets and date changes', () => {
    expect(zonedTime('America/New_York', instant)).toMatchObject({ iso: '2025-01-15T07:34:56.789-05:00' });
    expect(zonedTime('Asia/Kolkata', instant)).toMatchObject({ utc_offset: '+05:30' });
    expect(zonedTime('Pacific/Kiritimati', instant)).toMatchObject({
      iso: '2025-01-16T02:34:56.789+14:00',
      weekday: 'Thursday',
    });
    expect(zonedTime('UTC', instant)).toMatchObject({
      iso: '2025-01-15T12:34:56.789+00:00',
      utc_offset: '+00:00',
    });
  });

  it('returns a helpful error for an unknown zone', () => {
    const r = zonedTime('Mars/Olympus_Mons', instant);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toMatch(/Unknown time zone 'Mars\/Olympus_Mons'.*IANA/);
  });

  it('defaults to the process zone and the current time', () => {
    const r = zonedTime();
    expect(r.ok).toBe(true);
    expect(r.ok && Math.abs(Date.parse(r.utc) - Date.now())).toBeLessThan(5000);
  });
});

describe('base64', () => {
  it('round-trips UTF-8 text', () => {
    expect(encodeBase64('hello')).toBe('aGVsbG8=');
    const text = 'Grüße, 世界 🌍';
    expect(decodeBase64(encodeBase64(text))).toEqual({ ok: true, value: text });
    expect(decodeBase64('')).toEqual({ ok: true, value: '' });
  });

  it('accepts URL-safe, unpadded and wrapped input', () => {
    expect(decodeBase64('aGVsbG8')).toEqual({ ok: true, value: 'hello' });
    expect(decodeBase64('aGVs\nbG8=')).toEqual({ ok: true, value: 'hello' });
    expect(decodeBase64('-_8')).toMatchObject({ ok: false }); // valid base64, but bytes fb ff are not UTF-8
    expect(decodeBase64('PDw_Pz4-')).toEqual({ ok: true, value: '<<??>>' });
  });

  it('refuses invalid base64 and binary content instead of guessing', () => {
    expect(decodeBase64('not base64!')).toMatchObject({
      ok: false,
      message: expect.stringMatching(/Not valid base64/),
    });
    expect(decodeBase64('abcde')).toMatchObject({ ok: false, message: expect.stringMatching(/length/) });
    expect(decodeBase64('//79')).toMatchObject({ ok: false, message: expect.stringMatching(/not UTF-8/) });
  });
});
