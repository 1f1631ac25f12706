/**
 * @module version: the package version, read from the package.json above this file (the same code runs from
 * `src/` under the test runner and from `dist/src/` when installed).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      // The npm package is `mcpgw` (`mcp-gateway` on npm is another project); its command is still mcp-gateway.
      if (pkg.name === 'mcpgw' && pkg.version) return pkg.version;
    }
    const parent = dirname(dir);
    if (parent === dir) return '0.0.0';
    dir = parent;
  }
}

export const VERSION = findVersion();
