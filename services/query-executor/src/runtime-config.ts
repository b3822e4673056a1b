import { z } from 'zod';
import { FraiseqlError } from '@fraiseql/errors';
import { configValue } from '@fraiseql/service-kit';

/**
 * Keys the gateway and the query-executor must agree on, so they carry no service prefix.
 * The gateway holds an identical copy: both belong in one lib (see README, "Open points").
 */
export const runtimeConfigShape = {
  /** `kv` (NATS KV FRAISEQL_SCHEMA/active, hot reload) or a path to schema.compiled.json. */
  FRAISEQL_SCHEMA_SOURCE: z.string().trim().min(1).default('kv'),
  /** HMAC key for pagination cursors; required in production. */
  FRAISEQL_CURSOR_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  FRAISEQL_LIMIT_MAX_DEPTH: configValue.positiveInt().default(10),
  FRAISEQL_LIMIT_MAX_COST: configValue.positiveInt().default(50_000),
  FRAISEQL_LIMIT_MAX_ALIASES: configValue.positiveInt({ min: 0 }).default(30),
  FRAISEQL_LIMIT_MAX_DOCUMENT_BYTES: configValue.positiveInt({ min: 64 }).default(65_536),
};

/** Cursors from a development server are worthless elsewhere: a fixed key keeps restarts painless. */
const DEVELOPMENT_CURSOR_SECRET = 'fraiseql-development-cursor-secret-do-not-use-in-production';

export interface CursorSecretConfig {
  FRAISEQL_ENV: 'development' | 'production';
  FRAISEQL_CURSOR_SECRET?: string | undefined;
}

/** The cursor key: required in production, a fixed development key (with a warning) otherwise. */
export function resolveCursorSecret(config: CursorSecretConfig, warn: (message: string) => void): string {
  if (config.FRAISEQL_CURSOR_SECRET) return config.FRAISEQL_CURSOR_SECRET;
  if (config.FRAISEQL_ENV === 'production') {
    throw new FraiseqlError('FRAISEQL_CONFIG_INVALID', 'Invalid configuration:\n  - FRAISEQL_CURSOR_SECRET: required when FRAISEQL_ENV=production', {
      details: { problems: [{ key: 'FRAISEQL_CURSOR_SECRET', reason: 'required when FRAISEQL_ENV=production' }] },
    });
  }
  warn('FRAISEQL_CURSOR_SECRET is not set: using the fixed development key (cursors are forgeable by anyone who reads the source)');
  return DEVELOPMENT_CURSOR_SECRET;
}
