import { FraiseqlError } from '@fraiseql/errors';

/** Cursors from a development server are worthless elsewhere: a fixed key keeps restarts painless. */
export const DEVELOPMENT_CURSOR_SECRET = 'fraiseql-development-cursor-secret-do-not-use-in-production';

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
