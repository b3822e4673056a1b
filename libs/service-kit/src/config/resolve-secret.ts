import { FraiseqlError } from '@fraiseql/errors';

export interface ResolveSecretOptions {
  /** The config key (for messages): `FRAISEQL_CURSOR_SECRET`. */
  key: string;
  /** Its configured value, if any. */
  value: string | undefined;
  env: 'development' | 'production';
  /** The fixed key used outside production when none is configured. */
  developmentValue: string;
  /** What a development key lets anyone do, for the warning (`cursors are forgeable`). */
  risk: string;
  warn: (message: string) => void;
}

/**
 * A signing secret: the configured one; in production none is FRAISEQL_CONFIG_INVALID naming the
 * key; in development a fixed key (restarts keep what it signed valid) with a warning.
 */
export function resolveSecret(options: ResolveSecretOptions): string {
  if (options.value) return options.value;
  if (options.env === 'production') {
    throw new FraiseqlError(
      'FRAISEQL_CONFIG_INVALID',
      `Invalid configuration:\n  - ${options.key}: required when FRAISEQL_ENV=production`,
      {
        details: { problems: [{ key: options.key, reason: 'required when FRAISEQL_ENV=production' }] },
      },
    );
  }
  options.warn(`${options.key} is not set: using the fixed development key (${options.risk} by anyone who reads the source)`);
  return options.developmentValue;
}
