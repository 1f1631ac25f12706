/**
 * @module scrub: replaces known secret values in text. Shared by the logger (every line) and by what clients may read
 * (health, error messages), so that both scrub the same values the same way.
 */

/** The marker that stands where a secret was. */
export const REDACTED = '[redacted]';

/** Replaces every secret (and its JSON-escaped form, as it appears inside a log line) with a marker. */
export function createScrubber(secrets: readonly string[]): (line: string) => string {
  const needles = [...new Set(secrets.flatMap((s) => [s, JSON.stringify(s).slice(1, -1)]))]
    .filter((s) => s.length > 0)
    .sort((a, b) => b.length - a.length);
  if (needles.length === 0) return (line) => line;
  return (line) => {
    let out = line;
    for (const needle of needles) if (out.includes(needle)) out = out.split(needle).join(REDACTED);
    return out;
  };
}
