import { createHash } from 'node:crypto';
import { FraiseqlError } from '@fraiseql/errors';

/**
 * The position after the last hit of a page: the ranking order's sort key. Opaque to callers: base64url of
 * `{ v, k, q, s, t, i }` (version, kind, a hash of the query it belongs to, score, time, key).
 */
export interface SearchCursor {
  kind: 'events' | 'entities';
  /** `searchScope()` of the query that issued it: a cursor is valid only for the same org, words and filters. */
  scope: string;
  /** ts_rank's float4 as PostgreSQL printed it (round-trips exactly through `::real`). */
  score: string;
  /** RFC 3339 UTC with microseconds. */
  at: string;
  /** The rest of the key: [event id] or [entity type, entity id]. */
  key: string[];
}

const MAX_CURSOR_LENGTH = 4096;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const SCORE = /^(?:\d+(?:\.\d+)?(?:e[+-]?\d+)?|Infinity)$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Identifies what a cursor was issued for, without putting the words themselves in it. */
export function searchScope(parts: ReadonlyArray<string | null | undefined>): string {
  return createHash('sha256')
    .update(JSON.stringify(parts.map((p) => p ?? null)))
    .digest('base64url')
    .slice(0, 16);
}

export function encodeCursor(cursor: SearchCursor): string {
  const payload = { v: 1, k: cursor.kind, q: cursor.scope, s: cursor.score, t: cursor.at, i: cursor.key };
  return Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
}

/**
 * Reads a cursor for a query of `kind` and `scope`: FRAISEQL_INVALID_CURSOR when it is not one this store issued
 * (not base64url JSON of the right shape), FRAISEQL_STALE_CURSOR when it was issued for another query.
 */
export function decodeCursor(text: unknown, kind: SearchCursor['kind'], scope: string): SearchCursor {
  if (typeof text !== 'string' || text.length === 0 || text.length > MAX_CURSOR_LENGTH || !BASE64URL.test(text)) throw invalid();
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw invalid();
  const p = payload as Record<string, unknown>;
  if (p.v !== 1 || (p.k !== 'events' && p.k !== 'entities') || typeof p.q !== 'string') throw invalid();
  if (typeof p.s !== 'string' || !SCORE.test(p.s) || typeof p.t !== 'string' || !TIMESTAMP.test(p.t)) throw invalid();
  if (!Array.isArray(p.i) || !p.i.every((part) => typeof part === 'string')) throw invalid();
  const key = p.i as string[];
  const keyValid = p.k === 'events' ? key.length === 1 && UUID.test(key[0]!) : key.length === 2 && key.every((part) => part.length > 0);
  if (!keyValid) throw invalid();
  if (p.k !== kind || p.q !== scope) {
    throw new FraiseqlError(
      'FRAISEQL_STALE_CURSOR',
      'The cursor was issued for another search (other words, filters, org or kind). Start again without a cursor.',
      { details: { argument: 'after' } },
    );
  }
  return { kind, scope, score: p.s, at: p.t, key };
}

function invalid(): FraiseqlError {
  return new FraiseqlError(
    'FRAISEQL_INVALID_CURSOR',
    'The cursor was not issued by this search or was altered. Start again without a cursor.',
    {
      details: { argument: 'after' },
    },
  );
}
