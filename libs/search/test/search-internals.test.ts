// The pure parts, without PostgreSQL: text extraction, cursors, highlight sanitising, failure classification.
// Internal modules are imported by path: they are this package's own, not another package's door.
import { RetryableError } from '@fraiseql/errors';
import { extractSearchText, isRejection, toEventDocument } from '../src/event-document';
import { decodeCursor, encodeCursor, searchScope } from '../src/search-cursor';
import { toHighlights } from '../src/search-highlights';
import { toSearchStoreError } from '../src/search-store-error';
import { event } from './search-fixtures';

const limits = { maxTextFields: 1000, maxTextBytes: 65536, maxDocumentBytes: 1 << 20 };

describe('extractSearchText', () => {
  it('takes string and number values depth first in document order, escaped, one per line; not keys nor booleans', () => {
    const text = extractSearchText(
      { b: 'first <b>', a: { nested: ['x & y', 42, true, null], quote: `"it's"` }, tabs: 'a\tb\u0001c', empty: '  ' },
      limits,
    );
    expect(text).toBe('first &lt;b&gt;\nx &amp; y\n42\n&quot;it&#39;s&quot;\na b c');
  });

  it('stops at maxTextFields values and maxTextBytes bytes, never inside a character or an entity', () => {
    expect(extractSearchText({ a: 'one', b: 'two', c: 'three' }, { maxTextFields: 2, maxTextBytes: 100 })).toBe('one\ntwo');
    expect(extractSearchText({ a: 'ab', b: '€€€' }, { maxTextFields: 10, maxTextBytes: 8 })).toBe('ab\n€');
    expect(extractSearchText({ a: 'abc<' }, { maxTextFields: 10, maxTextBytes: 6 })).toBe('abc');
  });
});

describe('toEventDocument', () => {
  it('finds a NUL only where JSON has one, not in an escaped backslash followed by u0000', () => {
    expect(isRejection(toEventDocument(event({ data: { a: 'x\\u0000' } }), limits))).toBe(false);
    expect(toEventDocument(event({ data: { a: 'x\\\u0000' } }), limits)).toMatchObject({ code: 'SEARCH_TEXT_UNSUPPORTED' });
    expect(toEventDocument(event({ data: { ['k\u0000']: 1 } }), limits)).toMatchObject({ code: 'SEARCH_TEXT_UNSUPPORTED' });
    expect(isRejection(toEventDocument(event({ data: { emoji: '🦦 otter' } }), limits))).toBe(false);
    expect(toEventDocument(event({ entity_id: 'a\u0000b', data: {} }), limits)).toMatchObject({ code: 'SEARCH_TEXT_UNSUPPORTED' });
  });

  it('names the event it refuses, even a malformed one', () => {
    const e = event({ data: {} });
    expect(toEventDocument({ ...e, timestamp: 'yesterday' }, limits)).toMatchObject({ eventId: e.event_id, code: 'SEARCH_EVENT_INVALID' });
  });
});

describe('search cursors', () => {
  const scope = searchScope(['events', 'org', 'words']);
  const cursor = {
    kind: 'events' as const,
    scope,
    score: '0.0607927',
    at: '2024-03-01T09:05:00.123456Z',
    key: ['0190d3a4-1b2c-7d3e-8f9a-0b1c2d3e4f50'],
  };

  it('round-trips the sort key exactly', () => {
    expect(decodeCursor(encodeCursor(cursor), 'events', scope)).toEqual(cursor);
  });

  it('tells an altered cursor from one of another search', () => {
    const text = encodeCursor(cursor);
    expect(() => decodeCursor(text.slice(0, -3), 'events', scope)).toThrow(expect.objectContaining({ code: 'FRAISEQL_INVALID_CURSOR' }));
    expect(() => decodeCursor(encodeCursor({ ...cursor, at: '2024-03-01' }), 'events', scope)).toThrow(
      expect.objectContaining({ code: 'FRAISEQL_INVALID_CURSOR' }),
    );
    expect(() => decodeCursor(text, 'events', searchScope(['events', 'org', 'other words']))).toThrow(
      expect.objectContaining({ code: 'FRAISEQL_STALE_CURSOR' }),
    );
  });
});

describe('toHighlights', () => {
  it('keeps only fragments with a match and escapes whatever is not our markup', () => {
    const headline = 'a \u0001hit\u0002 &lt;ok&gt; &amp' + '\u0003no match here\u0003<img src=x onerror=1> \u0001b\u0002';
    expect(toHighlights(headline)).toEqual(['a <em>hit</em> &lt;ok&gt; &amp;amp', '&lt;img src=x onerror=1&gt; <em>b</em>']);
    expect(toHighlights(null)).toEqual([]);
  });
});

describe('toSearchStoreError', () => {
  it.each([
    ['08006', 'FRAISEQL_DB_UNAVAILABLE'],
    ['08P01', 'FRAISEQL_DB_UNAVAILABLE'],
    ['57P01', 'FRAISEQL_DB_UNAVAILABLE'],
    ['53300', 'FRAISEQL_DB_UNAVAILABLE'],
    ['53100', 'FRAISEQL_DB_UNAVAILABLE'],
    ['40001', 'FRAISEQL_DB_SERIALIZATION_FAILURE'],
    ['40P01', 'FRAISEQL_DB_SERIALIZATION_FAILURE'],
    ['ECONNREFUSED', 'FRAISEQL_DB_UNAVAILABLE'],
  ])('makes SQLSTATE/errno %s a RetryableError %s', (code, expected) => {
    const error = toSearchStoreError(Object.assign(new Error('boom'), { code }));
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.code).toBe(expected);
  });

  it.each([
    ['22P02', 'FRAISEQL_DB_INVALID_INPUT'],
    ['42P01', 'FRAISEQL_DB_UNDEFINED_OBJECT'],
    ['54000', 'FRAISEQL_DB_ERROR'],
  ])('leaves %s permanent (%s)', (code, expected) => {
    const error = toSearchStoreError(Object.assign(new Error('boom'), { code }));
    expect(error).not.toBeInstanceOf(RetryableError);
    expect(error.code).toBe(expected);
  });

  it('makes pg messages of a dead connection or an ended pool retryable', () => {
    expect(toSearchStoreError(new Error('Connection terminated unexpectedly'))).toBeInstanceOf(RetryableError);
    expect(toSearchStoreError(new Error('Cannot use a pool after calling end on the pool'))).toBeInstanceOf(RetryableError);
    expect(toSearchStoreError(new TypeError('x is undefined'))).not.toBeInstanceOf(RetryableError);
  });
});
