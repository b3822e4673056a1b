import { FraiseqlError } from '@fraiseql/errors';
import { isEnumType, isInputObjectType } from 'graphql';
import {
  buildGraphQLSchema,
  compileSchema,
  defineSchema,
  entity,
  field,
  JOB_API_SURFACE,
  listQuery,
  loadCompiledSchema,
  serializeCompiledSchema,
  type SchemaDefinitionInput,
} from '../src';

// The job API as GraphQL (docs/jobs.md): what `admin: { jobs: true }` adds — native fields the executor answers
// through the job-runner, their types, and the roles that gate the ones that change something.

const Ticket = entity('Ticket', { view: 'v_ticket' }, { id: field.id(), title: field.string() });
const base: SchemaDefinitionInput = { types: [Ticket], queries: [listQuery('tickets', Ticket)] };
const errorsOf = (input: SchemaDefinitionInput): string[] => {
  try {
    compileSchema(defineSchema(input));
  } catch (error) {
    expect((error as FraiseqlError).code).toBe('FRAISEQL_SCHEMA_COMPILE_FAILED');
    return (error as FraiseqlError).details?.errors as string[];
  }
  throw new Error('the schema compiled');
};

describe('admin: { jobs: true }', () => {
  it('adds the job fields, reads open to the org and changes gated by role', () => {
    const compiled = compileSchema(defineSchema({ ...base, admin: { jobs: true } }));
    expect(compiled.nativeFields.map((f) => [f.operation, f.name, f.resolver, f.type, f.roles ?? null])).toEqual([
      ['query', 'job', 'jobs.get', 'Job', null],
      ['query', 'jobs', 'jobs.list', 'JobsPage!', null],
      ['query', 'deadJobs', 'jobs.dead', 'JobsPage!', [...JOB_API_SURFACE.adminRoles]],
      ['query', 'exportDownload', 'jobs.download', 'ExportDownload!', null],
      ['mutation', 'enqueueExport', 'jobs.enqueueExport', 'Job!', [...JOB_API_SURFACE.exportRoles]],
      ['mutation', 'cancelJob', 'jobs.cancel', 'Job!', [...JOB_API_SURFACE.adminRoles]],
      ['mutation', 'retryJob', 'jobs.retry', 'Job!', [...JOB_API_SURFACE.adminRoles]],
      ['mutation', 'purgeDeadJobs', 'jobs.purgeDead', 'PurgeDeadJobsResult!', [...JOB_API_SURFACE.adminRoles]],
      ['subscription', 'jobChanged', 'jobs.changed', 'JobChange!', null],
    ]);
    // A schema without subscriptions of its own gets a Subscription type for the native one, and no ChangeOperation.
    expect(Object.keys(buildGraphQLSchema(compiled).getSubscriptionType()!.getFields())).toEqual(['jobChanged']);
    expect(buildGraphQLSchema(compiled).getType('ChangeOperation')).toBeUndefined();
    const graphql = buildGraphQLSchema(compiled);
    const state = graphql.getType('JobState');
    expect(isEnumType(state) && state.getValues().map((v) => v.name)).toEqual([
      'QUEUED',
      'ACTIVE',
      'RETRYING',
      'SUCCEEDED',
      'DEAD',
      'CANCELLED',
    ]);
    const filter = graphql.getType('JobFilter');
    expect(isInputObjectType(filter) && Object.keys(filter.getFields())).toEqual(['state', 'type', 'createdAfter', 'createdBefore']);
    expect(
      graphql
        .getQueryType()!
        .getFields()
        .jobs!.args.map((a) => `${a.name}: ${String(a.type)}`),
    ).toEqual(['where: JobFilter', 'first: Int', 'after: String']);
    expect(String(graphql.getMutationType()!.getFields().enqueueExport!.type)).toBe('Job!');
    expect(graphql.getType('JobWhereInput')).toBeUndefined();
    expect(loadCompiledSchema(serializeCompiledSchema(compiled)).nativeFields).toEqual(compiled.nativeFields);
  });

  it('leaves a schema without the option as it was, and is refused for a bad value or a taken name', () => {
    expect(compileSchema(defineSchema({ ...base, admin: { jobs: false } })).hash).toBe(compileSchema(defineSchema(base)).hash);
    expect(errorsOf({ ...base, admin: { jobs: 'yes' } as never })).toEqual(['admin.jobs must be true or false']);
    expect(errorsOf({ ...base, admin: { job: true } as never })).toEqual([
      'admin.job: unknown option (known: observers, deadLetters, jobs, search, apiKeys, audit)',
    ]);
    expect(errorsOf({ ...base, queries: [listQuery('jobs', Ticket)], admin: { jobs: true } })).toContain(
      'query "jobs": the name is taken by a field the admin surface adds',
    );
  });
});
