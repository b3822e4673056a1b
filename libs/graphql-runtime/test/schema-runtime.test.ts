import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { GraphQLObjectType } from 'graphql';
import { connect, type NatsConnection } from 'nats';
import type { QueryPlanner } from '@fraiseql/query-planner';
import {
  compileSchema,
  defineSchema,
  entity,
  field,
  FileSchemaSource,
  listQuery,
  serializeCompiledSchema,
  type CompiledSchema,
  type SchemaSource,
} from '@fraiseql/schema';
import { KvSchemaSource, publishCompiledSchema } from '@fraiseql/schema-kv';
import { createLogger, type Logger } from '@fraiseql/service-kit';
import { startNatsServer, type TestNatsServer } from '@fraiseql/testkit';
import { openSchemaSource, watchPlanners } from '../src';

const CURSOR_SECRET = 'a-cursor-secret-of-at-least-32-characters';

/** A valid compiled schema; `extraField` makes a second version with another hash. */
function schemaVersion(options: { extraField?: boolean } = {}): CompiledSchema {
  const User = entity(
    'User',
    { view: 'v_user' },
    { id: field.id(), email: field.string(), ...(options.extraField ? { name: field.string({ nullable: true }) } : {}) },
  );
  return compileSchema(defineSchema({ types: [User], queries: [listQuery('users', User)] }));
}

function capturedLogger(): { logger: Logger; lines: () => Array<Record<string, unknown>> } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(
        ...String(chunk)
          .split('\n')
          .filter((l) => l.length > 0),
      );
      done();
    },
  });
  return { logger: createLogger({ service: 'runtime-test', level: 'debug', destination }), lines: () => lines.map((l) => JSON.parse(l)) };
}

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const fieldsOf = (planner: QueryPlanner): string[] => Object.keys((planner.graphqlSchema.getType('User') as GraphQLObjectType).getFields());

describe('openSchemaSource and watchPlanners', () => {
  let nats: TestNatsServer;
  let nc: NatsConnection;
  let dir: string;
  const sources: SchemaSource[] = [];

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await connect({ servers: nats.url });
  });
  afterAll(async () => {
    await nc.close();
    await nats.dispose();
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fraiseql-runtime-'));
  });
  afterEach(async () => {
    await Promise.all(sources.splice(0).map((s) => s.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  const open = (spec: string, logger?: Logger): SchemaSource => {
    const source = openSchemaSource(spec, { nc, pollIntervalMs: 100, ...(logger ? { logger } : {}) });
    sources.push(source);
    return source;
  };

  it('reads the active schema from NATS KV when the source is "kv", and follows new versions', async () => {
    const v1 = schemaVersion();
    await publishCompiledSchema(nc, v1);
    const source = open('kv');
    expect(source).toBeInstanceOf(KvSchemaSource);
    const { logger } = capturedLogger();
    const planners = watchPlanners(source, { cursorSecret: CURSOR_SECRET }, { logger });
    await source.start();
    expect(planners.current.schemaHash).toBe(v1.hash);

    const v2 = schemaVersion({ extraField: true });
    await publishCompiledSchema(nc, v2);
    await waitFor(() => planners.loaded && planners.current.schemaHash === v2.hash);
    expect(fieldsOf(planners.current)).toEqual(['id', 'email', 'name']);
  });

  it('reads a schema file when the source is a path, and swaps in a new planner when the file changes', async () => {
    const path = join(dir, 'schema.compiled.json');
    const v1 = schemaVersion();
    writeFileSync(path, serializeCompiledSchema(v1));
    const source = open(path);
    expect(source).toBeInstanceOf(FileSchemaSource);
    const swapped: string[] = [];
    const planners = watchPlanners(
      source,
      { cursorSecret: CURSOR_SECRET },
      { logger: capturedLogger().logger, onSwap: (p) => swapped.push(p.schemaHash) },
    );
    expect(planners.loaded).toBe(false);
    await source.start();
    const first = planners.current;
    expect(first.schemaHash).toBe(v1.hash);
    expect(fieldsOf(first)).toEqual(['id', 'email']);

    const v2 = schemaVersion({ extraField: true });
    writeFileSync(path, serializeCompiledSchema(v2));
    await waitFor(() => planners.current.schemaHash === v2.hash);
    expect(swapped).toEqual([v1.hash, v2.hash]);
    expect(fieldsOf(planners.current)).toEqual(['id', 'email', 'name']);
    // A request that started on the first planner keeps a working planner of its version.
    expect(first.prepare({ query: '{ users { id email } }' }).operationType).toBe('query');
    expect(() => first.prepare({ query: '{ users { name } }' })).toThrow(expect.objectContaining({ code: 'GRAPHQL_VALIDATION_FAILED' }));
  });

  it('fails to start on a schema file that does not exist', async () => {
    const source = open(join(dir, 'missing.json'));
    await expect(source.start()).rejects.toMatchObject({ code: 'FRAISEQL_SCHEMA_INVALID' });
  });

  it('keeps the previous planner, and logs why, when a new version cannot be planned', async () => {
    const path = join(dir, 'schema.compiled.json');
    const v1 = schemaVersion();
    writeFileSync(path, serializeCompiledSchema(v1));
    const source = open(path);
    const { logger, lines } = capturedLogger();
    const swapped: string[] = [];
    const planners = watchPlanners(source, { cursorSecret: CURSOR_SECRET }, { logger, onSwap: (p) => swapped.push(p.schemaHash) });
    await source.start();

    // The sources validate what they read; a version the planner still cannot build (here: its SDL) must not replace a working one.
    source.emit('change', { ...schemaVersion({ extraField: true }), sdl: 'type Query {' });
    expect(planners.current.schemaHash).toBe(v1.hash);
    expect(planners.generation).toBe(1);
    expect(swapped).toEqual([v1.hash]);
    expect(lines().find((l) => l.msg === 'compiled schema rejected: keeping the previous one')).toMatchObject({
      level: 'error',
      schemaHash: schemaVersion({ extraField: true }).hash,
    });
  });
});
