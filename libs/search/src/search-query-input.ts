import { FraiseqlError } from '@fraiseql/errors';
import type { SearchEntitiesQuery, SearchEventsQuery } from './search-store';

/** Largest page (`first`). */
export const MAX_PAGE_SIZE = 100;
/** Longest query text, in characters. */
export const MAX_QUERY_LENGTH = 1000;
export const MAX_FILTER_LENGTH = 512;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:[Zz]|[+-]\d{2}:\d{2})$/;

/** The arguments both searches share, checked: what the SQL receives. */
export interface CheckedSearch {
  orgId: string | null;
  query: string;
  entityType: string | null;
  first: number;
  after: string | null;
}

export interface CheckedEventSearch extends CheckedSearch {
  eventType: string | null;
  from: string | null;
  to: string | null;
}

/** BAD_USER_INPUT / FRAISEQL_PAGE_TOO_LARGE with `details.argument`, before anything reaches PostgreSQL. */
export function checkEntitySearch(query: SearchEntitiesQuery): CheckedSearch {
  if (typeof query !== 'object' || query === null) throw badInput('(root)', 'the search arguments must be an object');
  const { orgId, first } = query;
  if (orgId !== null && (typeof orgId !== 'string' || orgId.length > MAX_FILTER_LENGTH)) {
    throw badInput('orgId', `orgId must be a string of at most ${MAX_FILTER_LENGTH} characters, or null`);
  }
  if (typeof first !== 'number' || !Number.isInteger(first) || first < 1) {
    throw badInput('first', `first must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  }
  if (first > MAX_PAGE_SIZE) {
    throw new FraiseqlError('FRAISEQL_PAGE_TOO_LARGE', `first is ${first}; a search page holds at most ${MAX_PAGE_SIZE} hits`, {
      details: { argument: 'first', max: MAX_PAGE_SIZE },
    });
  }
  const after = query.after ?? null;
  if (after !== null && typeof after !== 'string') throw badInput('after', 'after must be a cursor string');
  return { orgId, query: words(query.query), entityType: filter(query.entityType, 'entityType'), first, after };
}

export function checkEventSearch(query: SearchEventsQuery): CheckedEventSearch {
  const checked = checkEntitySearch(query);
  const from = time(query.from, 'from');
  const to = time(query.to, 'to');
  if (from !== null && to !== null && Date.parse(from) > Date.parse(to)) throw badInput('from', 'from must not be later than to');
  return { ...checked, eventType: filter(query.eventType, 'eventType'), from, to };
}

/**
 * The words: a non-empty string that holds at least one letter or digit. What PostgreSQL then finds in it (it may be
 * stop words only, with a language configuration) is not an error: such a query matches nothing.
 */
function words(value: unknown): string {
  if (typeof value !== 'string') throw badInput('query', 'query must be a string');
  if (value.length > MAX_QUERY_LENGTH) throw badInput('query', `query is longer than ${MAX_QUERY_LENGTH} characters`);
  if (value.includes('\u0000')) throw badInput('query', 'query must not contain a NUL character');
  if (!/[\p{L}\p{N}]/u.test(value)) throw badInput('query', 'query must contain at least one word (a letter or a digit)');
  return value;
}

function filter(value: unknown, argument: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || value === '' || value.length > MAX_FILTER_LENGTH || value.includes('\u0000')) {
    throw badInput(argument, `${argument} must be a non-empty string of at most ${MAX_FILTER_LENGTH} characters`);
  }
  return value;
}

function time(value: unknown, argument: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || !RFC3339.test(value) || Number.isNaN(Date.parse(value)) || !realDate(value)) {
    throw badInput(argument, `${argument} must be an RFC 3339 date-time, e.g. 2024-03-01T09:05:00Z`);
  }
  return value;
}

/** Date.parse rolls Feb 30 over into March; PostgreSQL would refuse it. */
function realDate(value: string): boolean {
  const [y, m, d] = value.slice(0, 10).split('-').map(Number) as [number, number, number];
  const day = new Date(Date.UTC(y, m - 1, d));
  return day.getUTCMonth() === m - 1 && day.getUTCDate() === d;
}

function badInput(argument: string, message: string): FraiseqlError {
  return new FraiseqlError('BAD_USER_INPUT', message, { details: { argument } });
}
