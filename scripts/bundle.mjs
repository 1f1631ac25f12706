/**
 * Makes the executable from tsc's output: dist/gateway.cjs (the gateway and its dependencies in one CommonJS file),
 * dist/gateway.cjs.cache (V8's compile cache for it) and dist/mcp-gateway.js (the launcher that loads the two).
 * Node 20 spends most of a start resolving and loading hundreds of module files and then parsing them; from one
 * file with a compile cache the gateway starts in about a third of the time, with less memory.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import process from 'node:process';
import { setTimeout } from 'node:timers/promises';
import { createRequire, Module } from 'node:module';
import { join, resolve } from 'node:path';
import { Script } from 'node:vm';
import { build } from 'esbuild';

const GATEWAY = resolve('dist/gateway.cjs');

const bundled = await build({
  entryPoints: ['dist/src/main.js'],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // A native addon: loaded from node_modules at run time (store/sqlite-session-store.ts), never bundled.
  external: ['better-sqlite3'],
  // version.ts finds package.json from its own URL; in the bundle that is the bundle's.
  define: { 'import.meta.url': '__bundleUrl' },
  banner: { js: "const __bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  // Less to parse; identifiers are kept, so stack traces still name the functions.
  minifyWhitespace: true,
  minifySyntax: true,
  write: false,
  logLevel: 'warning',
});
// The launcher wraps it as a CommonJS module: a hashbang there would be a syntax error. One character outside ASCII
// (esbuild leaves them in regular expressions) makes V8 hold the whole 2 MB source as a two-byte string, twice the
// memory: each is written as a \u escape, which means the same in a string and in a regular expression (a backslash
// that escaped the character is dropped, as `\’` and `\u2019` match the same).
const ascii = bundled.outputFiles[0].text
  .replace(/^#!.*\n/, '')
  .replace(/(\\*)([^\p{ASCII}])/gu, (_, slashes, char) => {
    // Per UTF-16 unit: a pair of surrogate escapes means the same character in a string and in either kind of RegExp.
    const units = Array.from({ length: char.length }, (_, i) => char.charCodeAt(i));
    const escape = units.map((u) => `\\u${u.toString(16).padStart(4, '0')}`).join('');
    return (slashes.length % 2 === 1 ? slashes.slice(1) : slashes) + escape;
  });
// Written already wrapped as the launcher runs it (Module.wrap), so that the launcher compiles the text it read rather
// than a concatenated copy of it (another 2 MB string that would stay on the heap until a full collection).
writeFileSync(GATEWAY, Module.wrap(ascii));

await build({
  entryPoints: ['dist/src/launcher.js'],
  outfile: 'dist/mcp-gateway.js',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  logLevel: 'warning',
});

// The cache is taken after the bundle has started a gateway (no backends, a scratch directory) and answered a first
// `initialize` and `tools/list` on /mcp, so that it holds every function a start and a first answer compile, not only
// the module code: what the gateway loads with its first request (the HTTP app's adapter) included.
const script = new Script(readFileSync(GATEWAY, 'utf8'), { filename: GATEWAY });
const scratch = mkdtempSync(join(tmpdir(), 'mcp-gateway-bundle-'));
const config = join(scratch, 'servers.yaml');
writeFileSync(
  config,
  `host: "127.0.0.1"\nstate_dir: ${JSON.stringify(join(scratch, 'state'))}\nbackends: {}\n`,
);
const { argv, exit } = process;
const stdoutWrite = process.stdout.write;
const port = await freePort();
process.argv = [argv[0], GATEWAY, '-c', config, '--port', String(port), '--log-level', 'error'];
process.exit = () => {};
process.stdout.write = () => true;
try {
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(GATEWAY), module, GATEWAY, resolve('dist'));
  // Without a loopback socket (a sandboxed build) the cache holds the start only: a slower first answer, no failure.
  await firstAnswer(`http://127.0.0.1:${port}/mcp`).catch((error) =>
    stdoutWrite.call(process.stdout, `bundle: compile cache without a first answer (${error.message})\n`),
  );
  process.emit('SIGTERM', 'SIGTERM');
  await setTimeout(500);
} finally {
  Object.assign(process, { argv, exit });
  process.stdout.write = stdoutWrite;
  rmSync(scratch, { recursive: true, force: true });
}
writeFileSync(`${GATEWAY}.cache`, script.createCachedData());
// Whatever the warm-up left open (a keep-alive socket of its client) must not keep the build waiting.
process.exit(0);

/** A port nothing listens on now (the warm-up gateway takes it a moment later). */
function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
    server.once('error', fail);
  });
}

/** initialize, notifications/initialized and tools/list, as a client's first exchange (retried until it listens). */
async function firstAnswer(endpoint) {
  const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  const post = (body, extra = {}) =>
    globalThis.fetch(endpoint, {
      method: 'POST',
      headers: { ...headers, ...extra },
      body: JSON.stringify(body),
    });
  const initialize = {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bundle', version: '0' } },
  };
  let init;
  for (let waited = 0; !init; waited += 20) {
    init = await post(initialize).catch((error) => {
      if (waited > 20_000) throw error;
      return undefined;
    });
    if (!init) await setTimeout(20);
  }
  const session = {
    'mcp-session-id': init.headers.get('mcp-session-id') ?? '',
    'mcp-protocol-version': '2025-06-18',
  };
  await init.text();
  await (await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, session)).text();
  const list = await (await post({ jsonrpc: '2.0', id: 2, method: 'tools/list' }, session)).text();
  if (!list.includes('gateway_search_tools'))
    throw new Error(`the warm-up tools/list failed: ${list.slice(0, 300)}`);
}
