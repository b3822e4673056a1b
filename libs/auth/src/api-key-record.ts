import { z } from 'zod';
import { FraiseqlError } from '@fraiseql/errors';
import { isApiKeyHash } from './api-key';

const isoTime = z.string().datetime({ offset: true });

const apiKeyRecordSchema = z
  .object({
    id: z.string().regex(/^[0-9a-f]{16}$/),
    orgId: z.string().uuid(),
    name: z.string().min(1).max(200),
    roles: z.array(z.string()).max(64),
    hash: z.string().refine(isApiKeyHash, 'must be sha256:<64 hex digits>'),
    createdAt: isoTime,
    createdBy: z.string().min(1),
    expiresAt: isoTime.nullable(),
    revokedAt: isoTime.nullable(),
    /** Grows with every change, so a stale write never replaces a newer one in the KV mirror. */
    version: z.number().int().nonnegative(),
  })
  .strict();

/**
 * An API key as the fleet stores it (fraiseql.tb_api_key, mirrored to the KV bucket FRAISEQL_API_KEYS under its id):
 * the hash of its secret, never the secret.
 */
export type ApiKeyRecord = z.infer<typeof apiKeyRecordSchema>;

export function encodeApiKeyRecord(record: ApiKeyRecord): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(apiKeyRecordSchema.parse(record)));
}

/** A KV value back into a record; anything else is FRAISEQL_BAD_MESSAGE (a directory skips it, so it authenticates nobody). */
export function decodeApiKeyRecord(bytes: Uint8Array): ApiKeyRecord {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new FraiseqlError('FRAISEQL_BAD_MESSAGE', 'An API key record is not JSON', { cause: error });
  }
  const parsed = apiKeyRecordSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new FraiseqlError(
      'FRAISEQL_BAD_MESSAGE',
      `An API key record is malformed: ${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
  }
  return parsed.data;
}
