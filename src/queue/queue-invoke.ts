/**
 * @module queue-invoke: a queued call run as a REST `execute` is, which is a gateway_invoke without an MCP session:
 * the same target lookup, profile and argument checks, forwarding and timeouts. The entry's `client` names whose
 * profile applies. An entry carries no credential, so with credentials required (`auth:` with clients or jwt) only a
 * client of `auth.clients` can be named, and a call naming none, or one the config does not list, is refused
 * (`unknown_client`). Without authentication every call has the whole gateway, as every HTTP caller has.
 */
import type { Access } from '../auth/access.js';
import { FULL_ACCESS, compileAccess } from '../auth/access.js';
import { execute } from '../api/tool-api.js';
import type { GatewayConfig } from '../config/index.js';
import type { MetaContext } from '../meta/context.js';
import type { QueuedCall, QueueOutcome } from './queued-call.js';

type AuthPart = Pick<GatewayConfig, 'auth' | 'profiles'>;

/** `config` is read at each call (a reload may change clients and profiles); its profiles are compiled once per value. */
export function createQueueInvoke(
  context: MetaContext,
  config: AuthPart | (() => AuthPart),
): (call: QueuedCall) => Promise<QueueOutcome> {
  const current = typeof config === 'function' ? config : () => config;
  let compiledFor: AuthPart | undefined;
  let accessOf: ReturnType<typeof clientAccess> | undefined;
  return async function invokeQueued(call) {
    const now = current();
    if (now !== compiledFor || !accessOf) {
      compiledFor = now;
      accessOf = clientAccess(now);
    }
    const access = accessOf(call.client);
    if (!access.ok) return access;
    const input = { tool: call.tool, server: call.server, arguments: call.arguments };
    const outcome = await execute(context, access.access, undefined, input, `queue-${call.id}`);
    return outcome.ok
      ? { ok: true, result: outcome.value }
      : { ok: false, code: outcome.code, message: outcome.message };
  };
}

type AccessOutcome = { ok: true; access: Access } | { ok: false; code: string; message: string };

/** A client's default profile (its first), or the whole gateway for a client without profiles. */
export function clientAccess(config: AuthPart): (client: string | undefined) => AccessOutcome {
  const profiles = new Map(Object.values(config.profiles).map((p) => [p.name, compileAccess(p)]));
  const required = config.auth.mode === 'on';
  return (client) => {
    if (!required) return { ok: true, access: FULL_ACCESS };
    const entry = client === undefined ? undefined : config.auth.clients[client];
    if (!entry)
      return {
        ok: false,
        code: 'unknown_client',
        message:
          client === undefined
            ? '"client" is required: the gateway requires credentials, and a queued call runs as one of auth.clients'
            : `unknown client "${client}": a queued call runs as one of auth.clients`,
      };
    const first = entry.profiles[0];
    return { ok: true, access: first === undefined ? FULL_ACCESS : profiles.get(first)! };
  };
}
