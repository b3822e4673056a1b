import { resolveSecret } from '@fraiseql/service-kit';

/** Cursors from a development server are worthless elsewhere: a fixed key keeps restarts painless. */
export const DEVELOPMENT_CURSOR_SECRET = 'fraiseql-development-cursor-secret-do-not-use-in-production';

export interface CursorSecretConfig {
  FRAISEQL_ENV: 'development' | 'production';
  FRAISEQL_CURSOR_SECRET?: string | undefined;
}

/** The cursor key: required in production, a fixed development key (with a warning) otherwise. */
export function resolveCursorSecret(config: CursorSecretConfig, warn: (message: string) => void): string {
  return resolveSecret({
    key: 'FRAISEQL_CURSOR_SECRET',
    value: config.FRAISEQL_CURSOR_SECRET,
    env: config.FRAISEQL_ENV,
    developmentValue: DEVELOPMENT_CURSOR_SECRET,
    risk: 'cursors are forgeable',
    warn,
  });
}
