import { FraiseqlError } from '@fraiseql/errors';
import {
  dlqSubject,
  replayFilterSubject,
  replaySubject,
  eventFilterSubject,
  eventSubject,
  jobApiSubject,
  jobFilterSubject,
  jobSubject,
  parseJobSubject,
  parseEventSubject,
  publishedFilterSubject,
  publishedSubject,
  type JobState,
} from '../src';

const ORG = '0190f1c4-6a8b-7c3d-9e2f-1a2b3c4d5e6f';

describe('subject builders', () => {
  it('builds event subjects with one token per part', () => {
    expect(eventSubject(ORG, 'Order', 'INSERT')).toBe(`fraiseql.v1.events.${ORG}.Order.INSERT`);
    expect(eventSubject(null, 'Order', 'DELETE')).toBe('fraiseql.v1.events._.Order.DELETE');
  });

  it('keeps dots, wildcards and spaces in data inside their own token', () => {
    const subject = eventSubject('acme.*', 'Or der', 'order.>');
    expect(subject.split('.')).toHaveLength(6);
    expect(subject).not.toMatch(/[*> ]/);
    expect(parseEventSubject(subject)).toEqual({ orgId: 'acme.*', entityType: 'Or der', op: 'order.>' });
  });

  it('reads a subject back to its parts, including the null org', () => {
    expect(parseEventSubject(eventSubject(null, 'Product', 'UPDATE'))).toEqual({ orgId: null, entityType: 'Product', op: 'UPDATE' });
    expect(() => parseEventSubject('fraiseql.v1.events.a.b')).toThrow(FraiseqlError);
    expect(() => parseEventSubject('fraiseql.v1.query')).toThrow(FraiseqlError);
  });

  it('turns missing filter parts into single-token wildcards', () => {
    expect(eventFilterSubject()).toBe('fraiseql.v1.events.*.*.*');
    expect(eventFilterSubject({ entityType: 'Order' })).toBe('fraiseql.v1.events.*.Order.*');
    expect(eventFilterSubject({ orgId: ORG, op: 'UPDATE' })).toBe(`fraiseql.v1.events.${ORG}.*.UPDATE`);
    expect(eventFilterSubject({ orgId: null })).toBe('fraiseql.v1.events._.*.*');
    expect(eventFilterSubject({ entityType: '*' })).toBe('fraiseql.v1.events.*.~2A.*');
  });

  it('builds dead-letter and job subjects', () => {
    expect(dlqSubject('observer-worker', ORG, 'Order')).toBe(`fraiseql.v1.dlq.observer-worker.${ORG}.Order`);
    expect(dlqSubject('job-runner', null, 'Order')).toBe('fraiseql.v1.dlq.job-runner._.Order');
    expect(replaySubject('observer-worker', ORG, 'Order')).toBe(`fraiseql.v1.replay.observer-worker.${ORG}.Order`);
    expect(replaySubject('observer-worker', null, 'a.b')).toMatch(/^fraiseql\.v1\.replay\.observer-worker\._\.[^.]+$/);
    expect(replayFilterSubject('observer-worker')).toBe('fraiseql.v1.replay.observer-worker.>');
    expect(jobSubject('succeeded', ORG, 'export')).toBe(`fraiseql.v1.jobs.succeeded.${ORG}.export`);
    expect(jobSubject('queued', null, 'email-batch')).toBe('fraiseql.v1.jobs.queued._.email-batch');
    expect(() => jobSubject('done.>' as JobState, ORG, 'export')).toThrow(FraiseqlError);
    // A job type cannot reach into another org's subjects or become a wildcard.
    expect(jobSubject('started', ORG, 'x.>').split('.')).toHaveLength(6);
    expect(jobFilterSubject({ orgId: ORG })).toBe(`fraiseql.v1.jobs.*.${ORG}.*`);
    expect(jobFilterSubject({ state: 'dead' })).toBe('fraiseql.v1.jobs.dead.*.*');
    expect(() => jobFilterSubject({ state: '>' as JobState })).toThrow(FraiseqlError);
    expect(parseJobSubject(jobSubject('progress', ORG, 'a.b'))).toEqual({ state: 'progress', orgId: ORG, jobType: 'a.b' });
    expect(() => parseJobSubject('fraiseql.v1.jobs.api.enqueue')).toThrow(FraiseqlError);
    expect(jobApiSubject('dead-list')).toBe('fraiseql.v1.jobs.api.dead-list');
    expect(() => jobApiSubject('dead.list')).toThrow(FraiseqlError);
    expect(() => jobApiSubject('x.>')).toThrow(FraiseqlError);
  });

  it('builds published subjects under the org, the topic kept in one token', () => {
    expect(publishedSubject(ORG, 'order-shipped')).toBe(`fraiseql.v1.published.${ORG}.order-shipped`);
    expect(publishedSubject(null, 'daily')).toBe('fraiseql.v1.published._.daily');
    // A topic that tries to climb into another org's subjects or become a wildcard stays one token.
    const sneaky = publishedSubject(ORG, 'x.other-org.>');
    expect(sneaky.split('.')).toHaveLength(5);
    expect(sneaky).not.toMatch(/[*>]/);
    expect(publishedFilterSubject({ orgId: ORG })).toBe(`fraiseql.v1.published.${ORG}.*`);
    expect(publishedFilterSubject()).toBe('fraiseql.v1.published.*.*');
  });
});
