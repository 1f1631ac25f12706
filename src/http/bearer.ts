/**
 * @module bearer: an `Authorization: Bearer …` header checked against a configured token in constant time (both are
 * hashed first, so that neither their contents nor their lengths show in the time a comparison takes).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { bearerToken } from '../auth/identity.js';

export function bearerMatches(header: string | undefined, token: string): boolean {
  const given = bearerToken(header);
  if (given === undefined) return false;
  return timingSafeEqual(digest(given), digest(token));
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
