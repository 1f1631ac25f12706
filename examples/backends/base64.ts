/** @module Strict UTF-8 ⇄ base64 for the toolbox's `base64` tool (Buffer alone skips bad input silently). */

export type CodecResult = { ok: true; value: string } | { ok: false; message: string };

// Standard and URL-safe alphabets both accepted; padding optional. Anything else is refused rather than skipped,
// because Buffer.from(s, 'base64') drops unknown characters and would hand back a quietly wrong answer.
const BASE64 = /^[A-Za-z0-9+/\-_]*={0,2}$/;

export function encodeBase64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

export function decodeBase64(input: string): CodecResult {
  const compact = input.replace(/\s+/g, '');
  if (!BASE64.test(compact)) {
    return {
      ok: false,
      message: 'Not valid base64: only A-Z a-z 0-9 + / (or - _) and trailing = are allowed.',
    };
  }
  if (compact.replace(/=+$/, '').length % 4 === 1) {
    return {
      ok: false,
      message: 'Not valid base64: the length is impossible (one character too many or too few).',
    };
  }
  const bytes = Buffer.from(compact, 'base64');
  try {
    return { ok: true, value: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return {
      ok: false,
      message: `The input decodes to ${bytes.length} bytes that are not UTF-8 text (binary data cannot be shown as a string).`,
    };
  }
}
