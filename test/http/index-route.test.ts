/**
 * `GET /` over real HTTP: what the gateway serves, as JSON for programs and as a page for a browser; disabled
 * backends are not listed, /mcp only while the meta-tools are on, and nothing in the page can run a script.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

let gw: RunningGateway;
beforeAll(async () => {
  gw = await startGateway(
    'backends:\n' +
      '  toolbox:\n    command: node dist/examples/backends/toolbox.js\n    description: "Tools <b>& more</b>"\n' +
      '  notes:\n    http_url: http://127.0.0.1:1/mcp\n' +
      '  off:\n    command: node nowhere.js\n    enabled: false\n',
  );
});
afterAll(() => gw.close());

describe('GET /', () => {
  it('answers JSON by default: name, version and every endpoint', async () => {
    const response = await fetch(`${gw.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('vary')).toBe('Accept');
    const body = (await response.json()) as { name: string; version: string; endpoints: { path: string }[] };
    expect(body.name).toBe('mcp-gateway');
    expect(body.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(body.endpoints.map((e) => e.path)).toEqual([
      '/mcp',
      '/mcp/notes',
      '/mcp/toolbox',
      '/health',
      '/metrics',
    ]);
    expect(body.endpoints[2]).toEqual({
      path: '/mcp/toolbox',
      kind: 'backend',
      backend: 'toolbox',
      transport: 'stdio',
      description: 'Tools <b>& more</b>',
    });
  });

  it('answers a page to a browser, with the URLs to give a client, escaped, and no script allowed', async () => {
    const response = await fetch(`${gw.url}/`, {
      headers: { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await response.text();
    expect(html).toContain(`<code>${gw.url}/mcp</code>`);
    expect(html).toContain(`<code>${gw.url}/mcp/toolbox</code>`);
    expect(html).toContain('Tools &lt;b&gt;&amp; more&lt;/b&gt;');
    expect(html).toContain('<a href="/health">/health</a>');
    expect(html).not.toContain('/mcp/off');
    expect(html).not.toContain('<script');
  });

  it('leaves /mcp out when the meta-tools are off; other paths still get the JSON 404', async () => {
    const off = await startGateway('enable_meta_mcp: false\nbackends: {}\n');
    try {
      const body = (await (await fetch(`${off.url}/`)).json()) as { endpoints: { path: string }[] };
      expect(body.endpoints.map((e) => e.path)).toEqual(['/health', '/metrics']);
      const missing = await fetch(`${off.url}/index.html`);
      expect(missing.status).toBe(404);
    } finally {
      await off.close();
    }
  });
});
