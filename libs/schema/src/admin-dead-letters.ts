import type { CompiledNativeField } from './compiled-schema';
import { field } from './field';
import type { InputTypeDefinition, ObjectTypeDefinition } from './schema-definition';
import { inputType, objectType } from './type-builders';

/**
 * The admin GraphQL surface over the dead-letter queue (JetStream stream FRAISEQL_DLQ,
 * docs/adr/0105-admin-dead-letters-native-fields.md): what `defineSchema({ admin: { deadLetters: true } })` adds.
 * The letters are not in PostgreSQL, so the fields are native: the query-executor resolves them with
 * @fraiseql/dead-letters for the caller's org.
 */
export const DEAD_LETTER_ADMIN = {
  /** Roles that may read, replay and purge the dead letters of their org. */
  roles: ['admin', 'dlq:admin'],
  /** The resolvers the query-executor registers for the four fields. */
  resolvers: {
    list: 'deadLetters.list',
    get: 'deadLetters.get',
    replay: 'deadLetters.replay',
    purge: 'deadLetters.purge',
  },
  /** `deadLetters(limit)`: default and largest page. */
  defaultLimit: 100,
  maxLimit: 1000,
  /** Sequences one replayDeadLetters or purgeDeadLetters may name. */
  maxSeqs: 1000,
} as const;

const native = (type: ObjectTypeDefinition): ObjectTypeDefinition => Object.freeze({ ...type, native: true as const });

const DeadLetter = native(
  objectType(
    'DeadLetter',
    {
      seq: field.int({ description: 'The sequence in FRAISEQL_DLQ: how deadLetter, replayDeadLetters and purgeDeadLetters name it.' }),
      source: field.string({ description: 'Who gave up: observer-worker, sink-clickhouse, …' }),
      orgId: field.string({ nullable: true, description: "The letter's organization (always the caller's here)." }),
      entityType: field.string({ description: 'The entity of the event that failed.' }),
      entityId: field.string({ nullable: true, description: "The event's entity id; null when the payload was not a valid event." }),
      eventId: field.string({ nullable: true, description: "The event's id; null when the payload was not a valid event." }),
      eventType: field.string({ nullable: true }),
      rule: field.string({ nullable: true, description: 'observer-worker: the rule whose action gave up.' }),
      part: field.string({ nullable: true, description: 'observer-worker: `<rule ref>/<action index>`, the part a replay runs again.' }),
      actionType: field.string({ nullable: true, description: 'observer-worker: webhook, email, slack, …' }),
      errorCode: field.string({ description: 'The failure that ended it (a code of docs/errors.md or a domain code).' }),
      errorMessage: field.string(),
      attempts: field.int({ description: 'Deliveries made (1 = dead-lettered on the first).' }),
      firstFailureAt: field.dateTime(),
      lastFailureAt: field.dateTime(),
      deadLetteredAt: field.dateTime(),
      replayable: field.boolean({ description: 'Whether the letter holds a valid event that replayDeadLetters can send again.' }),
      originalSubject: field.string({ description: 'The subject of the message that failed.' }),
      event: field.json({ nullable: true, description: 'The EntityEvent; null when the payload was not a valid event.' }),
      history: field.json({ description: 'Every failed attempt the writer knows of: [{ attempt, at, error, latency_ms, retry_at }].' }),
      details: field.json({
        nullable: true,
        description: 'What the writer added (observer-worker: rule, action and the request sent, secrets [REDACTED]).',
      }),
    },
    { description: "A message a consumer gave up on, in the caller's organization (docs/observers.md, the dead-letter queue)." },
  ),
);

const ReplayedDeadLetter = native(
  objectType(
    'ReplayedDeadLetter',
    {
      seq: field.int(),
      subject: field.string({ description: 'Where the event went: fraiseql.v1.replay.<source>.<org>.<entity> (stream FRAISEQL_REPLAY).' }),
      duplicate: field.boolean({ description: 'The same letter was already replayed within two minutes: this replay was dropped.' }),
    },
    { description: 'A dead letter sent back to its consumer.' },
  ),
);

const SkippedDeadLetter = native(
  objectType(
    'SkippedDeadLetter',
    { seq: field.int(), reason: field.string() },
    { description: 'A dead letter that could not be replayed (its payload was not a valid event).' },
  ),
);

const ReplayDeadLettersResult = native(
  objectType(
    'ReplayDeadLettersResult',
    { replayed: field.list(field.object(ReplayedDeadLetter)), skipped: field.list(field.object(SkippedDeadLetter)) },
    { description: 'The result of replayDeadLetters.' },
  ),
);

const PurgeDeadLettersResult = native(
  objectType(
    'PurgeDeadLettersResult',
    { purged: field.int({ description: 'Dead letters deleted.' }) },
    { description: 'The result of purgeDeadLetters.' },
  ),
);

const DeadLetterFilter: InputTypeDefinition = inputType(
  'DeadLetterFilter',
  {
    source: field.string({ nullable: true, description: 'Who gave up: observer-worker, sink-clickhouse, …' }),
    entityType: field.string({ nullable: true }),
    rule: field.string({ nullable: true, description: 'observer-worker: the rule name.' }),
    since: field.dateTime({ nullable: true, description: 'Dead-lettered at or after.' }),
    until: field.dateTime({ nullable: true, description: 'Dead-lettered at or before.' }),
  },
  { description: "Which dead letters of the caller's organization; every member given narrows." },
);

const seqsField = field.list(field.int(), {
  description: `Sequences of dead letters of the caller's organization (1 to ${DEAD_LETTER_ADMIN.maxSeqs}); if one is not found, nothing is done.`,
});

const ReplayDeadLettersInput: InputTypeDefinition = inputType(
  'ReplayDeadLettersInput',
  {
    seqs: seqsField,
    remove: field.boolean({ nullable: true, description: 'Delete each letter once its replay is stored (default false).' }),
  },
  { description: 'The dead letters to send back to their consumer.' },
);

const PurgeDeadLettersInput: InputTypeDefinition = inputType(
  'PurgeDeadLettersInput',
  { seqs: seqsField },
  { description: 'The dead letters to delete for good.' },
);

const needs = `Roles ${DEAD_LETTER_ADMIN.roles.join(' or ')}; only letters of the caller's organization.`;

/** The surface's definitions, appended after the schema's own (types, input types and native root fields). */
export function deadLetterAdminDefinitions(): {
  types: Array<ObjectTypeDefinition | InputTypeDefinition>;
  nativeFields: CompiledNativeField[];
} {
  const roles = [...DEAD_LETTER_ADMIN.roles];
  return {
    types: [DeadLetter, ReplayDeadLettersResult, PurgeDeadLettersResult, DeadLetterFilter, ReplayDeadLettersInput, PurgeDeadLettersInput],
    nativeFields: [
      {
        name: 'deadLetters',
        operation: 'query',
        resolver: DEAD_LETTER_ADMIN.resolvers.list,
        arguments: [
          { name: 'filter', type: 'DeadLetterFilter' },
          {
            name: 'limit',
            type: 'Int',
            description: `At most this many, newest first (default ${DEAD_LETTER_ADMIN.defaultLimit}, at most ${DEAD_LETTER_ADMIN.maxLimit}).`,
          },
        ],
        type: '[DeadLetter!]!',
        roles,
        description: `Dead letters of the caller's organization, newest first. ${needs}`,
      },
      {
        name: 'deadLetter',
        operation: 'query',
        resolver: DEAD_LETTER_ADMIN.resolvers.get,
        arguments: [{ name: 'seq', type: 'Int!' }],
        type: 'DeadLetter',
        roles,
        description: `One dead letter by its sequence; null when there is none in the caller's organization. ${needs}`,
      },
      {
        name: 'replayDeadLetters',
        operation: 'mutation',
        resolver: DEAD_LETTER_ADMIN.resolvers.replay,
        arguments: [{ name: 'input', type: 'ReplayDeadLettersInput!' }],
        type: 'ReplayDeadLettersResult!',
        roles,
        description: `Sends dead letters back through the consumer that gave up (FRAISEQL_REPLAY), deduplicated like any delivery. ${needs}`,
      },
      {
        name: 'purgeDeadLetters',
        operation: 'mutation',
        resolver: DEAD_LETTER_ADMIN.resolvers.purge,
        arguments: [{ name: 'input', type: 'PurgeDeadLettersInput!' }],
        type: 'PurgeDeadLettersResult!',
        roles,
        description: `Deletes dead letters for good. ${needs}`,
      },
    ],
  };
}
