import { FraiseqlError } from '@fraiseql/errors';
import { escapeSubjectToken, orgFromToken, orgToken, unescapeSubjectToken } from './escape-subject-token';
import { JOB_STATES, SUBJECTS, type JobState } from './names';

/**
 * Subject builders. Every token that comes from data goes through `escapeSubjectToken`,
 * and an event without an org uses the token `_` (so `fraiseql.v1.events._.Order.INSERT`).
 */

/** `fraiseql.v1.events.<org>.<entity>.<op>` */
export function eventSubject(orgId: string | null, entityType: string, op: string): string {
  return `${SUBJECTS.eventsPrefix}.${orgToken(orgId)}.${escapeSubjectToken(entityType)}.${escapeSubjectToken(op)}`;
}

export interface EventFilter {
  /** Omitted (undefined) matches any org; `null` matches events without an org. */
  orgId?: string | null;
  entityType?: string;
  op?: string;
}

/** A subscription filter over events: each omitted part becomes `*`. */
export function eventFilterSubject(filter: EventFilter = {}): string {
  const org = filter.orgId === undefined ? '*' : orgToken(filter.orgId);
  const entity = filter.entityType === undefined ? '*' : escapeSubjectToken(filter.entityType);
  const op = filter.op === undefined ? '*' : escapeSubjectToken(filter.op);
  return `${SUBJECTS.eventsPrefix}.${org}.${entity}.${op}`;
}

export interface EventSubjectParts {
  orgId: string | null;
  entityType: string;
  op: string;
}

/** Reads org, entity and op back from an event subject; throws FRAISEQL_BAD_MESSAGE if it is not one. */
export function parseEventSubject(subject: string): EventSubjectParts {
  const prefix = `${SUBJECTS.eventsPrefix}.`;
  const tokens = subject.startsWith(prefix) ? subject.slice(prefix.length).split('.') : [];
  if (tokens.length !== 3) {
    throw new FraiseqlError('FRAISEQL_BAD_MESSAGE', `Not an event subject: ${JSON.stringify(subject)}`, { details: { subject } });
  }
  return { orgId: orgFromToken(tokens[0]!), entityType: unescapeSubjectToken(tokens[1]!), op: unescapeSubjectToken(tokens[2]!) };
}

/** `fraiseql.v1.dlq.<source>.<org>.<entity>`; `source` names who gave up, e.g. `observer-worker`. */
export function dlqSubject(source: string, orgId: string | null, entityType: string): string {
  return `${SUBJECTS.dlqPrefix}.${escapeSubjectToken(source)}.${orgToken(orgId)}.${escapeSubjectToken(entityType)}`;
}

/** `fraiseql.v1.replay.<source>.<org>.<entity>`: a dead letter of `source` sent back to it. */
export function replaySubject(source: string, orgId: string | null, entityType: string): string {
  return `${SUBJECTS.replayPrefix}.${escapeSubjectToken(source)}.${orgToken(orgId)}.${escapeSubjectToken(entityType)}`;
}

/** Every replayed event of one source (a consumer's filter). */
export function replayFilterSubject(source: string): string {
  return `${SUBJECTS.replayPrefix}.${escapeSubjectToken(source)}.>`;
}

/** `fraiseql.v1.jobs.<state>.<org>.<job type>`: one lifecycle event of a job. */
export function jobSubject(state: JobState, orgId: string | null, jobType: string): string {
  if (!JOB_STATES.includes(state)) {
    throw new FraiseqlError('FRAISEQL_BAD_MESSAGE', `Unknown job state ${JSON.stringify(state)}; expected one of ${JOB_STATES.join(', ')}`);
  }
  return `${SUBJECTS.jobsPrefix}.${state}.${orgToken(orgId)}.${escapeSubjectToken(jobType)}`;
}

export interface JobEventFilter {
  state?: JobState;
  /** `null`: jobs without an org; omitted: every org. */
  orgId?: string | null;
  jobType?: string;
}

/** Lifecycle events of some jobs (`*` for each part left open). */
export function jobFilterSubject(filter: JobEventFilter = {}): string {
  const org = filter.orgId === undefined ? '*' : orgToken(filter.orgId);
  const type = filter.jobType === undefined ? '*' : escapeSubjectToken(filter.jobType);
  if (filter.state !== undefined && !JOB_STATES.includes(filter.state)) {
    throw new FraiseqlError('FRAISEQL_BAD_MESSAGE', `Unknown job state ${JSON.stringify(filter.state)}`);
  }
  return `${SUBJECTS.jobsPrefix}.${filter.state ?? '*'}.${org}.${type}`;
}

export interface JobSubjectParts {
  state: JobState;
  orgId: string | null;
  jobType: string;
}

/** The parts of a lifecycle subject; anything else is FRAISEQL_BAD_MESSAGE. */
export function parseJobSubject(subject: string): JobSubjectParts {
  const prefix = `${SUBJECTS.jobsPrefix}.`;
  const tokens = subject.startsWith(prefix) ? subject.slice(prefix.length).split('.') : [];
  const state = tokens[0] as JobState;
  if (tokens.length !== 3 || !JOB_STATES.includes(state)) {
    throw new FraiseqlError('FRAISEQL_BAD_MESSAGE', `Not a job lifecycle subject: ${JSON.stringify(subject)}`);
  }
  return { state, orgId: orgFromToken(tokens[1]!), jobType: unescapeSubjectToken(tokens[2]!) };
}

/** `fraiseql.v1.jobs.api.<operation>`: the job API (request/reply, queue group job-runner); the operation is one token. */
export function jobApiSubject(operation: string): string {
  if (!/^[a-z]+(?:-[a-z]+)*$/.test(operation)) {
    throw new FraiseqlError('FRAISEQL_BAD_MESSAGE', `Not a job API operation: ${JSON.stringify(operation)}`);
  }
  return `${SUBJECTS.jobsApiPrefix}.${operation}`;
}

/**
 * `fraiseql.v1.published.<org>.<topic>`: where an observer's publish action puts the message it derived,
 * always under the org of the rule (the topic is one escaped token, so it can never reach another org's subjects).
 */
export function publishedSubject(orgId: string | null, topic: string): string {
  return `${SUBJECTS.publishedPrefix}.${orgToken(orgId)}.${escapeSubjectToken(topic)}`;
}

/**
 * `fraiseql.v1.audit.<org>`: one audit entry (ADR 0137); an entry without an org (a credential refused before any org
 * was known) uses `_`.
 */
export function auditSubject(orgId: string | null): string {
  return `${SUBJECTS.auditPrefix}.${orgToken(orgId)}`;
}

/** A subscription filter over published messages: an omitted org or topic becomes `*`. */
export function publishedFilterSubject(filter: { orgId?: string | null; topic?: string } = {}): string {
  const org = filter.orgId === undefined ? '*' : orgToken(filter.orgId);
  const topic = filter.topic === undefined ? '*' : escapeSubjectToken(filter.topic);
  return `${SUBJECTS.publishedPrefix}.${org}.${topic}`;
}
