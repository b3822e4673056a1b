import { FraiseqlError } from '@fraiseql/errors';

const SEGMENT = /^[A-Za-z0-9_~][A-Za-z0-9._=~-]{0,199}$/;

/**
 * Checks a store key: relative, `/`-separated segments of letters, digits, `.`, `_`, `=`, `~`, `-`, none of
 * them `.` or `..` and none starting with a dot, so a key can never leave the store's directory or prefix.
 */
export function checkExportKey(key: string): string {
  const segments = key.split('/');
  const bad = key.length > 1000 || segments.some((s) => !SEGMENT.test(s) || s === '.' || s === '..');
  if (bad) {
    throw new FraiseqlError(
      'FRAISEQL_EXPORT_STORE_FAILED',
      `Invalid export key ${JSON.stringify(key)}: relative path segments of [A-Za-z0-9._=~-] only`,
      {
        details: { key },
      },
    );
  }
  return key;
}
