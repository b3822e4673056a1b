import type { z } from 'zod';
import { commonConfigShape } from './common-config';
import { isSecretSchema } from './config-value';
import type { ConfigDefinition } from './define-config';

/** The keys of a shape declared with `configValue.secret`. */
export function secretKeysOf(shape: z.ZodRawShape): ReadonlySet<string> {
  return new Set(Object.keys(shape).filter((key) => isSecretSchema(shape[key]!)));
}

/**
 * The parts of a secret value that must never be shown: a URL's password (as written and decoded) — its host,
 * user and path are what an operator needs to read in a log — or else the whole value.
 */
export function secretPartsOf(value: unknown): string[] {
  if (typeof value !== 'string' || value === '') return [];
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return [value];
    }
    if (url.password === '') return [];
    const parts = new Set([url.password]);
    try {
      parts.add(decodeURIComponent(url.password));
    } catch {
      // A malformed escape: the password as written is what would be logged.
    }
    return [...parts];
  }
  return [value];
}

/**
 * The secret strings of a loaded config (`configValue.secret` keys, URL passwords only): what `createLogger`'s
 * `redactValues` masks in every line (runService passes them).
 */
export function secretValuesOf<S extends z.ZodRawShape>(
  definition: ConfigDefinition<S>,
  config: Readonly<Record<string, unknown>>,
): string[] {
  const keys = secretKeysOf({ ...commonConfigShape, ...definition.schema.shape });
  return [...keys].flatMap((key) => secretPartsOf(config[key]));
}
