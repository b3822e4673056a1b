import { z } from 'zod';

/** fastify's `trustProxy`: whom to believe about the client's address (`X-Forwarded-For`). */
export type TrustProxy = boolean | string[];

/**
 * FRAISEQL_GATEWAY_TRUST_PROXY: `false` (the socket's peer is the client), `true` (believe every `X-Forwarded-For`
 * hop: only behind a proxy that overwrites it), or the proxies' addresses/CIDRs, comma-separated.
 * The per-address rate limit counts the address this yields: behind an ingress, set it, or every client is the ingress.
 */
export function trustProxyValue() {
  return z.unknown().transform((value, ctx): TrustProxy => {
    const text = typeof value === 'string' ? value.trim() : value;
    if (text === false || text === 'false' || text === '0' || text === '') return false;
    if (text === true || text === 'true') return true;
    if (typeof text === 'string') {
      const entries = text
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
      if (entries.every((e) => /^[0-9A-Fa-f:.]+(\/\d{1,3})?$/.test(e))) return entries;
    }
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      message: `expected false, true, or comma-separated proxy addresses/CIDRs, got ${JSON.stringify(value)}`,
    });
    return z.NEVER;
  });
}
