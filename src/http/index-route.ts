/**
 * @module index-route: `GET /`, what this gateway serves: its MCP endpoints (`/mcp` and one per enabled backend)
 * and its operations endpoints. A page for a browser (someone pasted the address), JSON for everything else. Read
 * from the registry at each request, so that it follows the configuration as it is now.
 */
import type { Context } from 'hono';
import type { Registry } from '../registry/registry.js';

export interface IndexDeps {
  registry: Pick<Registry, 'status'>;
  version: string;
  /** Whether /mcp serves the meta-tools (enable_meta_mcp). */
  metaEnabled: boolean;
}

interface Endpoint {
  path: string;
  kind: 'meta' | 'backend' | 'health' | 'metrics';
  description: string;
  backend?: string;
  transport?: string;
}

export function indexRoute(deps: IndexDeps) {
  return function handleIndex(c: Context): Response {
    const endpoints = listEndpoints(deps);
    // The list changes with the configuration; and the two forms of one URL must not be cached as one.
    const headers = { 'cache-control': 'no-store', vary: 'Accept' };
    if ((c.req.header('accept') ?? '').includes('text/html')) {
      return c.html(page(deps.version, new URL(c.req.url).origin, endpoints), 200, {
        ...headers,
        // A page of text and links: it needs no script, so none may run.
        'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
      });
    }
    return c.json({ name: 'mcp-gateway', version: deps.version, endpoints }, 200, headers);
  };
}

function listEndpoints(deps: IndexDeps): Endpoint[] {
  const endpoints: Endpoint[] = [];
  if (deps.metaEnabled) {
    endpoints.push({
      path: '/mcp',
      kind: 'meta',
      description: "every backend's tools through four meta-tools (list, search, invoke)",
    });
  }
  for (const b of deps.registry.status()) {
    if (!b.enabled) continue;
    endpoints.push({
      path: `/mcp/${b.name}`,
      kind: 'backend',
      backend: b.name,
      transport: b.transport,
      description: b.description || `the ${b.name} backend, unchanged`,
    });
  }
  endpoints.push(
    { path: '/health', kind: 'health', description: 'the state of the gateway and of each backend (JSON)' },
    { path: '/metrics', kind: 'metrics', description: 'Prometheus metrics' },
  );
  return endpoints;
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
const escape = (text: string) => text.replace(/[&<>"']/g, (ch) => ESCAPES[ch]!);

function page(version: string, origin: string, endpoints: readonly Endpoint[]): string {
  const mcp = endpoints.filter((e) => e.kind === 'meta' || e.kind === 'backend');
  const rows = mcp
    .map(
      (e) =>
        `<tr><td><code>${escape(origin + e.path)}</code></td><td>${e.transport ? `${escape(e.transport)}` : 'meta'}</td>` +
        `<td>${escape(e.description)}</td></tr>`,
    )
    .join('\n');
  const operations = endpoints
    .filter((e) => e.kind === 'health' || e.kind === 'metrics')
    .map((e) => `<li><a href="${escape(e.path)}">${escape(e.path)}</a>: ${escape(e.description)}</li>`)
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>mcp-gateway</title>
<style>
body { font: 15px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; color: #222; }
h1 small { color: #777; font-weight: normal; font-size: 60%; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid #ddd; vertical-align: top; }
code { font: 13px ui-monospace, monospace; }
p.note { color: #555; }
</style>
</head>
<body>
<h1>mcp-gateway <small>${escape(version)}</small></h1>
<p>An MCP gateway: point an MCP client (Streamable HTTP) at one of these URLs.</p>
<table>
<tr><th>MCP endpoint</th><th>transport</th><th>what it serves</th></tr>
${rows}
</table>
<p class="note">Opened in a browser these URLs answer with an error: they speak MCP, not HTML.</p>
<h2>Operations</h2>
<ul>
${operations}
</ul>
</body>
</html>
`;
}
