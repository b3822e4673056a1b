import { FraiseqlError } from '@fraiseql/errors';

const DOMAIN_CODE = /^[A-Z][A-Z0-9_]{1,63}$/;

/**
 * The code of a failure, as `error_type` and in dead letters: a FraiseqlError's code, a domain code an
 * error carries (`ECONNREFUSED`, `WEBHOOK_4XX`), else FRAISEQL_INTERNAL. Bounded, so fit for a metric label.
 */
export function errorCodeOf(error: unknown): string {
  if (error instanceof FraiseqlError) return error.code;
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && DOMAIN_CODE.test(code) ? code : 'FRAISEQL_INTERNAL';
}

export function errorMessageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
