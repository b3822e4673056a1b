import { randomFillSync } from 'node:crypto';

/**
 * A UUID v7 (RFC 9562 §5.7): 48 bits of Unix milliseconds, then random bits. Ids of entries made later sort after
 * earlier ones at millisecond precision (within one millisecond their order is random, which nothing relies on:
 * the API orders by `at`, then id).
 */
export function newAuditId(now: number = Date.now()): string {
  const bytes = randomFillSync(new Uint8Array(16));
  let ms = now;
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  bytes[6] = 0x70 | (bytes[6]! & 0x0f);
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
