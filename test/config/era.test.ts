/** `era:` on a backend: auto (absent), legacy or modern on Streamable HTTP; only legacy on stdio and HTTP+SSE. */
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, type HttpBackendConfig } from '../../src/config/index.js';

function parse(lines: string[]) {
  return parseConfig(lines.join('\n'), { path: 'servers.yaml', env: {} });
}

function problemsOf(lines: string[]): string[] {
  try {
    parse(lines);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('era', () => {
  it('is kept when stated on a Streamable HTTP backend, absent for auto', () => {
    const { config } = parse([
      'backends:',
      '  a:',
      '    http_url: http://127.0.0.1:1/mcp',
      '    era: modern',
      '  b:',
      '    http_url: http://127.0.0.1:2/mcp',
      '    era: auto',
      '  c:',
      '    http_url: http://127.0.0.1:3/mcp',
      '    era: legacy',
    ]);
    expect((config.backends.a as HttpBackendConfig).era).toBe('modern');
    expect('era' in config.backends.b!).toBe(false);
    expect((config.backends.c as HttpBackendConfig).era).toBe('legacy');
  });

  it('is refused as modern on stdio and HTTP+SSE, and for an unknown value', () => {
    const problems = problemsOf([
      'backends:',
      '  s:',
      '    command: node s.js',
      '    era: modern',
      '  e:',
      '    http_url: http://127.0.0.1:1/sse',
      '    era: auto',
      '  x:',
      '    http_url: http://127.0.0.1:1/mcp',
      '    era: newest',
    ]);
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/backends\.s\.era: a command \(stdio\) backend is legacy/);
    expect(problems[1]).toMatch(/backends\.e\.era: the HTTP\+SSE transport is legacy/);
    expect(problems[2]).toMatch(/backends\.x\.era/);
  });
});
