import {
  deadLetterRule,
  getDeadLetter,
  getDeadLetters,
  listDeadLetters,
  parseDeadLetterSubject,
  purgeDeadLetters,
  replayDeadLetters,
  type DeadLetterFilter,
  type StoredDeadLetter,
} from '@fraiseql/dead-letters';
import { FraiseqlError } from '@fraiseql/errors';
import { DEAD_LETTER_ADMIN } from '@fraiseql/schema';
import type { NatsConnection } from 'nats';
import type { NativeFieldResolvers } from '../native-fields';

/**
 * The resolvers of the admin dead-letter fields (`admin: { deadLetters: true }`, docs/adr/0105-admin-dead-letters-native-fields.md)
 * over FRAISEQL_DLQ, always scoped to the caller's org: another org's letter is not listed, and is "not found"
 * (FRAISEQL_DEAD_LETTER_NOT_FOUND, or null for deadLetter) exactly like a missing one. The planner has checked the
 * org and the role, and graphql-js the argument types; the values are checked here.
 */
export function deadLetterResolvers(nc: NatsConnection): NativeFieldResolvers {
  const { resolvers } = DEAD_LETTER_ADMIN;
  return {
    [resolvers.list]: async ({ args, orgId }) => {
      const letters = await listDeadLetters(nc, { ...readFilter(args.filter), org: orgId, limit: readLimit(args.limit) });
      return letters.map(toGraphql);
    },
    [resolvers.get]: async ({ args, orgId }) => {
      try {
        return toGraphql(await getDeadLetter(nc, readSeq(args.seq, 'seq'), { org: orgId }));
      } catch (error) {
        if (error instanceof FraiseqlError && error.code === 'FRAISEQL_DEAD_LETTER_NOT_FOUND') return null;
        throw error;
      }
    },
    [resolvers.replay]: async ({ args, orgId }) => {
      const input = args.input as { seqs: unknown; remove?: unknown };
      const seqs = readSeqs(input.seqs);
      // All or nothing: one sequence not found in the caller's org and nothing is replayed.
      await getDeadLetters(nc, seqs, { org: orgId });
      return replayDeadLetters(nc, seqs, { org: orgId, remove: input.remove === true });
    },
    [resolvers.purge]: async ({ args, orgId }) => {
      const seqs = readSeqs((args.input as { seqs: unknown }).seqs);
      await getDeadLetters(nc, seqs, { org: orgId });
      return { purged: await purgeDeadLetters(nc, seqs, { org: orgId }) };
    },
  };
}

/** A `DeadLetter` of the GraphQL surface. */
function toGraphql({ seq, subject, letter }: StoredDeadLetter): Record<string, unknown> {
  const event = letter.event as { event_id?: string; event_type?: string; entity_id?: string } | null;
  const details = letter.details as { key?: unknown; action_type?: unknown } | undefined;
  const { orgId, entityType } = parseDeadLetterSubject(subject);
  return {
    seq,
    source: letter.source,
    orgId,
    entityType,
    entityId: event?.entity_id ?? null,
    eventId: event?.event_id ?? null,
    eventType: event?.event_type ?? null,
    rule: deadLetterRule(letter) ?? null,
    part: typeof details?.key === 'string' ? details.key : null,
    actionType: typeof details?.action_type === 'string' ? details.action_type : null,
    errorCode: letter.error.code,
    errorMessage: letter.error.message,
    attempts: letter.attempts.count,
    firstFailureAt: letter.first_failure_at,
    lastFailureAt: letter.last_failure_at,
    deadLetteredAt: letter.dead_lettered_at,
    replayable: letter.event !== null,
    originalSubject: letter.subject,
    event: letter.event,
    history: letter.attempts.history,
    details: letter.details ?? null,
  };
}

function readFilter(value: unknown): Omit<DeadLetterFilter, 'org' | 'limit'> {
  const filter = (value ?? {}) as {
    source?: string | null;
    entityType?: string | null;
    rule?: string | null;
    since?: string | null;
    until?: string | null;
  };
  const text = (name: 'source' | 'entityType' | 'rule'): string | undefined => {
    const v = filter[name];
    if (v === null || v === undefined) return undefined;
    if (v.length === 0 || v.length > 256) throw badInput(`filter.${name} must be 1 to 256 characters`);
    return v;
  };
  // DateTime values arrive checked by the scalar, as the text given.
  const time = (name: 'since' | 'until'): Date | undefined => (filter[name] == null ? undefined : new Date(filter[name]!));
  return { source: text('source'), entity: text('entityType'), rule: text('rule'), since: time('since'), until: time('until') };
}

function readLimit(value: unknown): number {
  if (value === null || value === undefined) return DEAD_LETTER_ADMIN.defaultLimit;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > DEAD_LETTER_ADMIN.maxLimit)
    throw badInput(`limit must be between 1 and ${DEAD_LETTER_ADMIN.maxLimit}, got ${String(value)}`);
  return value;
}

function readSeq(value: unknown, at: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1)
    throw badInput(`${at}: a dead letter is named by its sequence, a positive integer; got ${String(value)}`);
  return value;
}

function readSeqs(value: unknown): number[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > DEAD_LETTER_ADMIN.maxSeqs)
    throw badInput(`input.seqs must name 1 to ${DEAD_LETTER_ADMIN.maxSeqs} dead letters`);
  const seqs = value.map((v, i) => readSeq(v, `input.seqs[${i}]`));
  return [...new Set(seqs)];
}

function badInput(message: string): FraiseqlError {
  return new FraiseqlError('BAD_USER_INPUT', message);
}
