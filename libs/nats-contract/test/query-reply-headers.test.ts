import { headers } from 'nats';
import { HEADERS, readQueryReplyHeaders, writeQueryReplyHeaders } from '../src';

describe('query reply headers', () => {
  it('round-trips the status and the schema hash under Fraiseql-Status and Fraiseql-Schema-Hash', () => {
    const h = headers();
    writeQueryReplyHeaders(h, { status: 504, schemaHash: 'abc123' });
    expect(h.get('Fraiseql-Status')).toBe('504');
    expect(h.get('Fraiseql-Schema-Hash')).toBe('abc123');
    expect(readQueryReplyHeaders(h)).toEqual({ status: 504, schemaHash: 'abc123' });
  });

  it('leaves the schema hash out when the executor had no schema', () => {
    const h = headers();
    writeQueryReplyHeaders(h, { status: 503 });
    expect(h.has(HEADERS.schemaHash)).toBe(false);
    expect(readQueryReplyHeaders(h)).toEqual({ status: 503 });
  });

  it.each([['no headers at all', undefined], ['a non-numeric status', 'teapot'], ['a status out of range', '99'], ['a fractional status', '200.5']])(
    'reads %s as 200',
    (_name, value) => {
      const h = value === undefined ? undefined : headers();
      if (h && value !== undefined) h.set(HEADERS.status, value);
      expect(readQueryReplyHeaders(h).status).toBe(200);
    },
  );
});
