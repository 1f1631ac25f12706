import { describe, expect, it } from 'vitest';
import { parsePort } from '../../examples/backends/demo-cli.js';
import { allowedHostsFor, isAllowedRequest } from '../../examples/backends/loopback-guard.js';

describe('loopback guard', () => {
  const allowed = allowedHostsFor('127.0.0.1', 4000);

  it('accepts loopback Host values with the right port, with or without a loopback Origin', () => {
    for (const host of ['127.0.0.1:4000', 'localhost:4000', '[::1]:4000', 'LOCALHOST:4000']) {
      expect(isAllowedRequest(host, undefined, allowed), host).toBe(true);
    }
    expect(isAllowedRequest('localhost:4000', 'http://localhost:4000', allowed)).toBe(true);
  });

  it('refuses foreign or missing Host and foreign or garbage Origin', () => {
    expect(isAllowedRequest('evil.example:4000', undefined, allowed)).toBe(false);
    expect(isAllowedRequest('127.0.0.1:4001', undefined, allowed)).toBe(false);
    expect(isAllowedRequest(undefined, undefined, allowed)).toBe(false);
    expect(isAllowedRequest('127.0.0.1:4000', 'http://evil.example', allowed)).toBe(false);
    expect(isAllowedRequest('127.0.0.1:4000', 'null', allowed)).toBe(false);
  });

  it('brackets an IPv6 bind address', () => {
    expect(allowedHostsFor('::1', 80).has('[::1]:80')).toBe(true);
  });
});

describe('parsePort', () => {
  it('takes --port, then PORT, then the default', () => {
    expect(parsePort(['--port', '8080'], {}, 1)).toBe(8080);
    expect(parsePort(['--port=0'], { PORT: '9' }, 1)).toBe(0);
    expect(parsePort([], { PORT: '9' }, 1)).toBe(9);
    expect(parsePort([], {}, 1)).toBe(1);
  });

  it('explains bad input', () => {
    expect(parsePort(['--port', 'abc'], {}, 1)).toMatch(/invalid port 'abc'/);
    expect(parsePort(['--port', '70000'], {}, 1)).toMatch(/invalid port/);
    expect(parsePort(['--port'], {}, 1)).toMatch(/invalid port ''/);
    expect(parsePort(['--verbose'], {}, 1)).toMatch(/unknown argument '--verbose'/);
  });
});
