import { FraiseqlError } from '@fraiseql/errors';
import { deadLetterMsgId, decodeDeadLetter, encodeDeadLetter, type DeadLetter } from '../src';

const LETTER: DeadLetter = {
  version: 1,
  source: 'observer-worker',
  subject: 'fraiseql.v1.events._.Order.INSERT',
  stream: 'FRAISEQL_EVENTS',
  stream_seq: 42,
  event: { event_id: '0190f1c4-6a8b-7c3d-9e2f-1a2b3c4d5e6f', entity_type: 'Order' },
  raw_base64: null,
  error: { code: 'FRAISEQL_TIMEOUT', message: 'webhook timed out' },
  attempts: {
    count: 2,
    history: [
      { attempt: 1, at: '2026-01-01T00:00:00.000Z', error: { code: 'FRAISEQL_TIMEOUT', message: 'webhook timed out' }, latency_ms: 5000 },
      { attempt: 2, at: '2026-01-01T00:00:10.000Z', error: { code: 'FRAISEQL_TIMEOUT', message: 'webhook timed out' }, latency_ms: 5001.5 },
    ],
  },
  first_failure_at: '2026-01-01T00:00:00.000Z',
  last_failure_at: '2026-01-01T00:00:10.000Z',
  dead_lettered_at: '2026-01-01T00:00:10.010Z',
  details: { rule: 'notify-shipping', action: 'webhook' },
};

describe('dead letters', () => {
  it('round-trips every field through encode and decode', () => {
    expect(decodeDeadLetter(encodeDeadLetter(LETTER))).toEqual(LETTER);
    const raw: DeadLetter = { ...LETTER, event: null, raw_base64: Buffer.from('not json').toString('base64') };
    delete raw.details;
    expect(decodeDeadLetter(Buffer.from(encodeDeadLetter(raw)).toString())).toEqual(raw);
  });

  it.each([
    ['not JSON', '{'],
    ['a wrong version', JSON.stringify({ ...LETTER, version: 2 })],
    ['both the event and the raw bytes', JSON.stringify({ ...LETTER, raw_base64: 'eA==' })],
    ['neither the event nor the raw bytes', JSON.stringify({ ...LETTER, event: null })],
    ['a stream sequence of 0', JSON.stringify({ ...LETTER, stream_seq: 0 })],
    ['an error without a code', JSON.stringify({ ...LETTER, error: { message: 'x' } })],
    ['a time that is not RFC 3339', JSON.stringify({ ...LETTER, last_failure_at: 'yesterday' })],
    [
      'an attempt with a negative latency',
      JSON.stringify({ ...LETTER, attempts: { count: 1, history: [{ ...LETTER.attempts.history[0], latency_ms: -1 }] } }),
    ],
    ['details that are not an object', JSON.stringify({ ...LETTER, details: ['x'] })],
  ])('refuses a dead letter with %s (FRAISEQL_BAD_MESSAGE)', (_what, payload) => {
    expect(() => decodeDeadLetter(payload)).toThrow(FraiseqlError);
    expect(() => decodeDeadLetter(payload)).toThrow(/Malformed dead letter/);
  });

  it('derives one message id per source and original, narrowed by an optional key', () => {
    const base = { source: 'observer-worker', stream: 'FRAISEQL_EVENTS', streamSeq: 7 };
    const eventId = '0190f1c4-6a8b-7c3d-9e2f-1a2b3c4d5e6f';
    expect(deadLetterMsgId({ ...base, eventId })).toBe(`dlq:observer-worker:${eventId}`);
    expect(deadLetterMsgId({ ...base, eventId, streamSeq: 8 })).toBe(deadLetterMsgId({ ...base, eventId }));
    expect(deadLetterMsgId({ ...base, eventId, key: 'rule-1/webhook' })).toBe(`dlq:observer-worker:${eventId}:rule-1/webhook`);
    expect(deadLetterMsgId({ ...base, source: 'sink-search', eventId })).not.toBe(deadLetterMsgId({ ...base, eventId }));
    expect(deadLetterMsgId(base)).toBe('dlq:observer-worker:FRAISEQL_EVENTS:7');
  });
});
