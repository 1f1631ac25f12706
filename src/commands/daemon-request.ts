/**
 * @module commands/daemon-request: one HTTP request to the running gateway. A gateway that does not answer is the
 * expected failure of every client command, so it comes back as a result with the one-line message to print.
 */

export type DaemonAnswer =
  { ok: true; status: number; text: string; json: unknown } | { ok: false; message: string };

const TIMEOUT_MS = 15_000;

export async function requestDaemon(
  base: string,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number } = {},
): Promise<DaemonAnswer> {
  let response: Response;
  let text: string;
  const timeoutMs = init.timeoutMs ?? TIMEOUT_MS;
  try {
    response = await fetch(`${base}${path}`, {
      method: init.method ?? 'GET',
      headers: { accept: 'application/json', ...init.headers },
      ...(init.body !== undefined ? { body: init.body } : {}),
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'manual',
    });
    text = await response.text();
  } catch (error) {
    const message = unreachable(error, base, timeoutMs);
    if (message) return { ok: false, message };
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { ok: true, status: response.status, text, json };
}

/**
 * The message for an error that means "nobody answered", looked for along the error's causes (fetch wraps the
 * socket's error; the SDK's transport wraps fetch's). Undefined for any other error.
 */
export function unreachable(error: unknown, base: string, timeoutMs?: number): string | undefined {
  for (let e = error; e instanceof Error; e = e.cause) {
    if (e.name === 'TimeoutError') {
      const seconds = timeoutMs !== undefined ? ` within ${Math.round(timeoutMs / 1000)} s` : '';
      return `the gateway at ${base} did not answer${seconds}`;
    }
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ECONNREFUSED') return `no gateway answers at ${base} — is it running? (mcp-gateway serve)`;
    if (
      code &&
      /^(ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ECONNRESET|ETIMEDOUT|EADDRNOTAVAIL)$/.test(code)
    ) {
      return `no gateway answers at ${base} (${code}) — is it running? (mcp-gateway serve)`;
    }
  }
  return undefined;
}
