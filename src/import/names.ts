/**
 * @module import/names: client server names as backend names. Clients accept any string ("GitHub", "my server");
 * a backend name appears in URLs and metric labels, so it follows config's BACKEND_NAME_PATTERN.
 */
import { RESERVED_NAMES } from '../config/index.js';

const MAX = 64;

/** `GitHub Issues` → `github-issues`; a reserved name such as `admin` → `admin-server`. */
export function backendName(raw: string): string {
  let name = raw
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[-_]+|-+$/g, '')
    .slice(0, MAX)
    .replace(/-+$/, '');
  if (name === '') name = 'server';
  if (RESERVED_NAMES.includes(name)) name = `${name}-server`;
  return name;
}

/** `name`, or `name-2`, `name-3`… : the first that `taken` does not hold. */
export function uniqueName(name: string, taken: ReadonlySet<string>): string {
  if (!taken.has(name)) return name;
  for (let n = 2; ; n++) {
    const suffix = `-${n}`;
    const candidate = `${name.slice(0, MAX - suffix.length)}${suffix}`;
    if (!taken.has(candidate)) return candidate;
  }
}
