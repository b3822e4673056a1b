import { classifyHttpStatus, outcomeError, parseRetryAfter } from '../src';
import { RetryableError } from '@fraiseql/errors';

const answer = (status: number, headers: Record<string, string> = {}) => ({ status, headers, bodyText: '', latencyMs: 1 });

describe('classifyHttpStatus', () => {
  it.each([
    [200, 'success'],
    [204, 'success'],
    [301, 'permanent'],
    [400, 'permanent'],
    [401, 'permanent'],
    [404, 'permanent'],
    [408, 'retryable'],
    [410, 'permanent'],
    [422, 'permanent'],
    [425, 'retryable'],
    [429, 'retryable'],
    [500, 'retryable'],
    [502, 'retryable'],
    [503, 'retryable'],
  ])('HTTP %i is %s', (status, kind) => {
    expect(classifyHttpStatus(answer(status)).kind).toBe(kind);
  });

  it("keeps a 503's Retry-After and turns a retryable outcome into a RetryableError with it", () => {
    const outcome = classifyHttpStatus(answer(503, { 'retry-after': '120' }));
    expect(outcome).toMatchObject({ kind: 'retryable', code: 'FRAISEQL_ACTION_RECEIVER_ERROR', retryAfterMs: 120_000 });
    const error = outcomeError(outcome);
    expect(error).toBeInstanceOf(RetryableError);
    expect(error).toMatchObject({ code: 'FRAISEQL_ACTION_RECEIVER_ERROR', retryAfterMs: 120_000 });
    expect(outcomeError(classifyHttpStatus(answer(200)))).toBeUndefined();
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-06-01T12:00:00Z');
  it('reads delay-seconds and HTTP-dates; a past date is 0; garbage is undefined', () => {
    expect(parseRetryAfter('30', now)).toBe(30_000);
    expect(parseRetryAfter('Sun, 01 Jun 2025 12:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('Sun, 01 Jun 2025 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter(['5', '9'], now)).toBe(5000);
  });
});
