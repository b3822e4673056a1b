import type { CompiledNativeField } from './compiled-schema';
import { field } from './field';
import type { EnumTypeDefinition, InputTypeDefinition, ObjectTypeDefinition } from './schema-definition';
import { enumType, inputType, objectType } from './type-builders';

/**
 * The job API as GraphQL (issue 10, docs/jobs.md): what `defineSchema({ admin: { jobs: true } })` adds. The jobs live
 * in the job-runner (BullMQ on Redis), so the fields are native (ADR 0105): the query-executor resolves them with a
 * request to the job-runner (`fraiseql.v1.jobs.api.*`, @fraiseql/jobs) on behalf of the caller, whose org scopes
 * every one of them.
 */
export const JOB_API_SURFACE = {
  /** Roles that may start exports. */
  exportRoles: ['admin', 'jobs:admin', 'exporter'],
  /** Roles that may cancel and retry jobs, and handle dead ones. */
  adminRoles: ['admin', 'jobs:admin'],
  resolvers: {
    get: 'jobs.get',
    list: 'jobs.list',
    dead: 'jobs.dead',
    download: 'jobs.download',
    enqueueExport: 'jobs.enqueueExport',
    cancel: 'jobs.cancel',
    retry: 'jobs.retry',
    purgeDead: 'jobs.purgeDead',
    /** Served by the gateway: a feed of the job's lifecycle events (FRAISEQL_JOBS). */
    changed: 'jobs.changed',
  },
  defaultPage: 20,
  maxPage: 100,
} as const;

const native = (type: ObjectTypeDefinition): ObjectTypeDefinition => Object.freeze({ ...type, native: true as const });

const JobState: EnumTypeDefinition = enumType(
  'JobState',
  [
    { name: 'QUEUED', description: 'Waiting for a worker (or for its delay, or for its org’s fair share).' },
    { name: 'ACTIVE', description: 'Running now.' },
    { name: 'RETRYING', description: 'An attempt failed; the next one is scheduled (retryAt).' },
    { name: 'SUCCEEDED', description: 'Done; `result` holds what it returned.' },
    { name: 'DEAD', description: 'Attempts exhausted or a permanent error: in the dead-letter queue, retryJob runs it again.' },
    { name: 'CANCELLED', description: 'Cancelled by cancelJob; not retried.' },
  ],
  { description: 'Where a job is in its life.' },
);

const ExportFormat: EnumTypeDefinition = enumType(
  'ExportFormat',
  [
    { name: 'PARQUET', description: 'Apache Parquet.' },
    { name: 'ARROW', description: 'Apache Arrow IPC stream.' },
    { name: 'CSV', description: 'CSV with a header row.' },
  ],
  { description: 'The file format of an export.' },
);

const Job = native(
  objectType(
    'Job',
    {
      id: field.id({ description: 'The job id (1–128 of A-Z a-z 0-9 _ -).' }),
      type: field.string({ description: 'The job type: export, webhook, email-batch, …' }),
      state: field.enum(JobState),
      progress: field.json({ nullable: true, description: 'The last progress it reported (an export: { rows, totalRows }).' }),
      attempts: field.int({ description: 'Attempts started so far.' }),
      maxAttempts: field.int({ description: "Attempts its type's retry policy allows." }),
      createdAt: field.dateTime(),
      startedAt: field.dateTime({ nullable: true }),
      finishedAt: field.dateTime({ nullable: true }),
      retryAt: field.dateTime({ nullable: true, description: 'When the next attempt runs (RETRYING).' }),
      result: field.json({
        nullable: true,
        description: 'What it returned (an export: format, rows, sizeBytes, sha256; the file through exportDownload).',
      }),
      errorCode: field.string({ nullable: true, description: 'The last failure: a code of docs/errors.md or a job type’s own.' }),
      errorMessage: field.string({ nullable: true }),
      createdBy: field.string({ nullable: true, description: 'Who asked for it (a user, or service:observer-worker).' }),
    },
    { description: "A job of the caller's organization, run by the job-runner (docs/jobs.md)." },
  ),
);

const JobsPage = native(
  objectType(
    'JobsPage',
    {
      jobs: field.list(field.object(Job)),
      endCursor: field.string({ nullable: true, description: 'Pass as `after` for the next page.' }),
      hasNextPage: field.boolean(),
    },
    { description: 'A page of jobs, newest first.' },
  ),
);

const ExportDownload = native(
  objectType(
    'ExportDownload',
    {
      url: field.string({
        description: 'A path on the gateway (/v1/exports/<signed token>): GET it with no other credentials before it expires.',
      }),
      expiresAt: field.dateTime(),
    },
    { description: "A signed, expiring download of an export's file." },
  ),
);

const JobEventKind: EnumTypeDefinition = enumType(
  'JobEventKind',
  [
    { name: 'QUEUED', description: 'Enqueued (again, after retryJob).' },
    { name: 'STARTED', description: 'An attempt started.' },
    { name: 'PROGRESS', description: 'The job reported progress.' },
    { name: 'SUCCEEDED', description: 'Done.' },
    { name: 'FAILED', description: 'An attempt failed (a retry may follow: retryAt).' },
    { name: 'DEAD', description: 'No attempt left, or a permanent error.' },
    { name: 'CANCELLED', description: 'Cancelled.' },
  ],
  { description: 'What happened to a job (its lifecycle events on FRAISEQL_JOBS).' },
);

const JobChange = native(
  objectType(
    'JobChange',
    {
      id: field.id({ description: 'The job id.' }),
      type: field.string(),
      event: field.enum(JobEventKind),
      attempt: field.int({ description: 'The attempt it belongs to (0 before the first).' }),
      at: field.dateTime(),
      progress: field.json({ nullable: true, description: 'PROGRESS: what the job reported.' }),
      result: field.json({ nullable: true, description: 'SUCCEEDED: what it returned.' }),
      errorCode: field.string({ nullable: true, description: 'FAILED, DEAD, CANCELLED: why.' }),
      errorMessage: field.string({ nullable: true }),
      retryAt: field.dateTime({ nullable: true, description: 'FAILED with a retry to come: when.' }),
    },
    { description: 'One step in the life of a job.' },
  ),
);

const PurgeDeadJobsResult = native(
  objectType('PurgeDeadJobsResult', { purged: field.int() }, { description: 'The result of purgeDeadJobs.' }),
);

const JobFilter: InputTypeDefinition = inputType(
  'JobFilter',
  {
    state: field.list(field.enum(JobState), { nullable: true, description: 'Any of these states.' }),
    type: field.string({ nullable: true }),
    createdAfter: field.dateTime({ nullable: true }),
    createdBefore: field.dateTime({ nullable: true }),
  },
  { description: "Which jobs of the caller's organization; every member given narrows." },
);

const EnqueueExportInput: InputTypeDefinition = inputType(
  'EnqueueExportInput',
  {
    format: field.enum(ExportFormat),
    source: field.json({
      description:
        'What to export (docs/jobs.md): { kind: "view", view: "va_order", columns, where, orderBy, limit } or { kind: "events", from, to, entityType, eventTypes }. Checked by the job-runner; a bad one is refused naming the field.',
    }),
    jobId: field.string({ nullable: true, description: 'Your idempotency key: enqueueing the same id again returns the existing job.' }),
  },
  { description: 'An export to run in the background.' },
);

const pageArguments = [
  {
    name: 'first',
    type: 'Int',
    description: `At most this many (default ${JOB_API_SURFACE.defaultPage}, at most ${JOB_API_SURFACE.maxPage}).`,
  },
  { name: 'after', type: 'String', description: 'The endCursor of the previous page.' },
];

/** The surface's definitions, appended after the schema's own (types, input types and native root fields). */
export function jobApiDefinitions(): {
  types: Array<ObjectTypeDefinition | InputTypeDefinition | EnumTypeDefinition>;
  nativeFields: CompiledNativeField[];
} {
  const { resolvers } = JOB_API_SURFACE;
  const admin = [...JOB_API_SURFACE.adminRoles];
  const adminNote = `Roles ${admin.join(' or ')}.`;
  return {
    types: [
      JobState,
      ExportFormat,
      JobEventKind,
      Job,
      JobsPage,
      JobChange,
      ExportDownload,
      PurgeDeadJobsResult,
      JobFilter,
      EnqueueExportInput,
    ],
    nativeFields: [
      {
        name: 'job',
        operation: 'query',
        resolver: resolvers.get,
        arguments: [{ name: 'id', type: 'ID!' }],
        type: 'Job',
        description: "One job of the caller's organization; null when there is none.",
      },
      {
        name: 'jobs',
        operation: 'query',
        resolver: resolvers.list,
        arguments: [{ name: 'where', type: 'JobFilter' }, ...pageArguments],
        type: 'JobsPage!',
        description: "Jobs of the caller's organization, newest first.",
      },
      {
        name: 'deadJobs',
        operation: 'query',
        resolver: resolvers.dead,
        arguments: pageArguments,
        type: 'JobsPage!',
        roles: admin,
        description: `Jobs of the caller's organization in the dead-letter queue, newest first. ${adminNote}`,
      },
      {
        name: 'exportDownload',
        operation: 'query',
        resolver: resolvers.download,
        arguments: [{ name: 'id', type: 'ID!', description: 'A succeeded export job.' }],
        type: 'ExportDownload!',
        description: "A signed, expiring URL of a succeeded export's file (FRAISEQL_JOB_STATE_CONFLICT before it succeeded).",
      },
      {
        name: 'enqueueExport',
        operation: 'mutation',
        resolver: resolvers.enqueueExport,
        arguments: [{ name: 'input', type: 'EnqueueExportInput!' }],
        type: 'Job!',
        roles: [...JOB_API_SURFACE.exportRoles],
        description: `Starts an export of the caller's organization's data. Roles ${JOB_API_SURFACE.exportRoles.join(' or ')}.`,
      },
      {
        name: 'cancelJob',
        operation: 'mutation',
        resolver: resolvers.cancel,
        arguments: [{ name: 'id', type: 'ID!' }],
        type: 'Job!',
        roles: admin,
        description: `Cancels a queued, retrying or running job (a running one is aborted). ${adminNote}`,
      },
      {
        name: 'retryJob',
        operation: 'mutation',
        resolver: resolvers.retry,
        arguments: [{ name: 'id', type: 'ID!' }],
        type: 'Job!',
        roles: admin,
        description: `Runs a dead, cancelled or succeeded job again with fresh attempts (redrive). ${adminNote}`,
      },
      {
        name: 'purgeDeadJobs',
        operation: 'mutation',
        resolver: resolvers.purgeDead,
        arguments: [{ name: 'ids', type: '[ID!]!' }],
        type: 'PurgeDeadJobsResult!',
        roles: admin,
        description: `Removes dead jobs for good; if one is not found, nothing is removed. ${adminNote}`,
      },
      {
        name: 'jobChanged',
        operation: 'subscription',
        resolver: resolvers.changed,
        arguments: [{ name: 'id', type: 'ID!' }],
        type: 'JobChange!',
        description: "Every step of one job of the caller's organization from now on (queued, started, progress, …, succeeded or dead).",
      },
    ],
  };
}
