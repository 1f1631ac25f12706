/**
 * @module access: what one profile lets a client see and call, compiled once from the config: a backend list and
 * `server/tool` globs (deny wins; an empty allow-list allows nothing). Every surface asks the same two questions, so a
 * tool hidden here is hidden from listing, search, invocation and passthrough alike.
 */
import type { ProfileConfig } from '../config/index.js';

export interface Access {
  /** The profile's name; undefined for the whole gateway (no auth, or a client without profiles). */
  readonly profile: string | undefined;
  readonly surface: 'meta' | 'flat';
  /** Whether the backend (or the virtual backend `pipelines`) is reachable at all. */
  backend(name: string): boolean;
  /** Whether `server/tool` may be listed and called; false whenever the backend is not reachable. */
  tool(server: string, tool: string): boolean;
}

/** Everything: the gateway as it was before profiles. */
export const FULL_ACCESS: Access = {
  profile: undefined,
  surface: 'meta',
  backend: () => true,
  tool: () => true,
};

export function compileAccess(profile: ProfileConfig): Access {
  const backends = profile.backends === undefined ? undefined : new Set(profile.backends);
  const allow = profile.allow?.map(globPattern);
  const deny = profile.deny.map(globPattern);
  const backend = (name: string): boolean => backends === undefined || backends.has(name);
  return {
    profile: profile.name,
    surface: profile.surface,
    backend,
    tool(server, tool) {
      if (!backend(server)) return false;
      const qualified = `${server}/${tool}`;
      if (deny.some((re) => re.test(qualified))) return false;
      return allow === undefined || allow.some((re) => re.test(qualified));
    },
  };
}

/** `*` is any run of characters (slashes included: a tool name may hold one); everything else is literal. */
export function globPattern(glob: string): RegExp {
  const source = glob
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`);
}
