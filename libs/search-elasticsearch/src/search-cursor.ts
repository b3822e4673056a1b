import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { FraiseqlError } from '@fraiseql/errors';

/** The types of the sort values a cursor holds, in sort order (the `sort` of the last hit of a page). */
export type CursorShape = ReadonlyArray<'number' | 'string'>;
export type SortValues = Array<number | string>;

const VERSION = 1;
const MAX_CURSOR_LENGTH = 4096;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * Opaque search cursors: `base64url(payload) "." base64url(HMAC-SHA-256(key, payload))`, payload = JSON
 * `[1, fingerprint, ...sort values]`. The sort values are the last hit's `sort` (score, then tiebreak fields),
 * passed back as `search_after`. The fingerprint binds a cursor to one query (org, words, filters), so that a cursor
 * of one search is refused by another. The org filter never comes from the cursor.
 */
export class SearchCursorCodec {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = createHmac('sha256', secret).update('fraiseql.search.cursor.v1').digest();
  }

  fingerprint(query: readonly unknown[]): string {
    return createHash('sha256').update(JSON.stringify(query)).digest('base64url').slice(0, 16);
  }

  encode(fingerprint: string, values: readonly unknown[]): string {
    const payload = Buffer.from(JSON.stringify([VERSION, fingerprint, ...values]), 'utf8');
    return `${payload.toString('base64url')}.${this.sign(payload).toString('base64url')}`;
  }

  /** The sort values of a cursor; FRAISEQL_INVALID_CURSOR when altered or malformed, FRAISEQL_STALE_CURSOR when of another search. */
  decode(cursor: unknown, fingerprint: string, shape: CursorShape): SortValues {
    const invalid = (): FraiseqlError =>
      new FraiseqlError('FRAISEQL_INVALID_CURSOR', 'Argument "after" is not a valid cursor. Start again without a cursor.', {
        details: { argument: 'after' },
      });
    if (typeof cursor !== 'string' || cursor.length > MAX_CURSOR_LENGTH) throw invalid();
    const [body, signature, ...rest] = cursor.split('.');
    if (rest.length > 0 || !body || !signature || !BASE64URL.test(body) || !BASE64URL.test(signature)) throw invalid();
    const payload = Buffer.from(body, 'base64url');
    const given = Buffer.from(signature, 'base64url');
    const expected = this.sign(payload);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload.toString('utf8'));
    } catch {
      throw invalid();
    }
    if (!Array.isArray(parsed) || parsed[0] !== VERSION || typeof parsed[1] !== 'string') throw invalid();
    if (parsed[1] !== fingerprint) {
      throw new FraiseqlError(
        'FRAISEQL_STALE_CURSOR',
        'Argument "after" is a cursor of another search (other words, filters or org). Start again without a cursor.',
        { details: { argument: 'after' } },
      );
    }
    const values = parsed.slice(2) as unknown[];
    if (values.length !== shape.length || values.some((v, i) => typeof v !== shape[i])) throw invalid();
    return values as SortValues;
  }

  private sign(payload: Buffer): Buffer {
    return createHmac('sha256', this.key).update(payload).digest();
  }
}
