import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Every API key starts with it, so secret scanners and people recognise one (`fqk_<id>_<secret>`). */
export const API_KEY_PREFIX = 'fqk';

const API_KEY_PATTERN = /^fqk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
const HASH_PATTERN = /^sha256:[0-9a-f]{64}$/;

/** A newly issued key: `token` is shown to its creator once; only `hash` is stored. */
export interface IssuedApiKey {
  id: string;
  token: string;
  hash: string;
}

/**
 * A new key: a 64-bit public id (the lookup key, safe to log) and a 256-bit random secret. The
 * secret has full entropy, so one SHA-256 is the right hash: a slow password hash adds nothing
 * against guessing 2^256 values and would cost every request (docs/adr/0131-api-keys.md).
 */
export function issueApiKey(): IssuedApiKey {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { id, token: `${API_KEY_PREFIX}_${id}_${secret}`, hash: hashApiKeySecret(secret) };
}

/** The id and secret of a presented key, or null when it does not have the shape of one. */
export function parseApiKey(token: string): { id: string; secret: string } | null {
  const match = API_KEY_PATTERN.exec(token);
  return match ? { id: match[1]!, secret: match[2]! } : null;
}

export function isApiKeyHash(value: unknown): value is string {
  return typeof value === 'string' && HASH_PATTERN.test(value);
}

export function hashApiKeySecret(secret: string): string {
  return `sha256:${createHash('sha256').update(secret, 'utf8').digest('hex')}`;
}

/** Compares in constant time: digests of equal length, whatever the presented secret. */
export function apiKeySecretMatches(secret: string, storedHash: string): boolean {
  const presented = createHash('sha256').update(secret, 'utf8').digest();
  const stored = isApiKeyHash(storedHash) ? Buffer.from(storedHash.slice('sha256:'.length), 'hex') : Buffer.alloc(32);
  return timingSafeEqual(presented, stored) && isApiKeyHash(storedHash);
}
