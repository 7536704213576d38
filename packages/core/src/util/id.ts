import { createHash, randomBytes } from 'node:crypto';

const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';

/**
 * A new unique id that sorts by creation time: 10 characters of millisecond time, then 12 random
 * characters (Crockford base 32, lowercase), e.g. `01jd8x3k7c4h2m9q6r5t8v0w1x`.
 */
export function createId(now: number = Date.now()): string {
  let time = '';
  let remaining = Math.max(0, Math.floor(now));
  for (let index = 0; index < 10; index++) {
    time = alphabet[remaining % 32] + time;
    remaining = Math.floor(remaining / 32);
  }
  const random = randomBytes(12);
  let suffix = '';
  for (const byte of random) suffix += alphabet[byte % 32];
  return time + suffix;
}

/** A stable short hash of the given parts (hex, 16 characters), e.g. an anomaly fingerprint. */
export function stableHash(...parts: readonly string[]): string {
  const hash = createHash('sha256');
  for (const part of parts) {
    hash.update(part);
    hash.update('\u0000');
  }
  return hash.digest('hex').slice(0, 16);
}
