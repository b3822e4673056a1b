import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { KV_BUCKETS, SCHEMA_ACTIVE_KEY, openSchemaBucket } from '@fraiseql/nats-contract';
import { computeSchemaHash, loadCompiledSchema, serializeCompiledSchema, type CompiledSchema } from '@fraiseql/schema';
import { generateCaptureTriggers } from '@fraiseql/capture';
import { startNatsServer, type TestNatsServer } from '@fraiseql/testkit';
import { connect } from 'nats';

const ROOT = resolve(__dirname, '../../..');
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const BIN = join(ROOT, 'libs/cli/src/bin.ts');

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real `fraiseql` bin (from source, through tsx) in a child process. */
function fraiseql(args: string[]): Promise<CliRun> {
  return new Promise((done) => {
    execFile(
      TSX,
      [BIN, ...args],
      { cwd: ROOT, env: { ...process.env, FRAISEQL_NATS_URL: 'nats://127.0.0.1:1' } },
      (error, stdout, stderr) => {
        done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      },
    );
  });
}

const GOOD_ENTRY = `
import { defineSchema, entity, enumType, field, listQuery, lookupQuery } from '@fraiseql/schema';
const Status = enumType('Status', ['OPEN', 'CLOSED']);
const Ticket = entity('Ticket', { view: 'v_ticket' }, { id: field.id(), title: field.string({ column: 'title' }), status: field.enum(Status) });
export const schema = defineSchema({ types: [Status, Ticket], queries: [listQuery('tickets', Ticket), lookupQuery('ticket', Ticket)] });
`;

const BAD_ENTRY = `
import { defineSchema, entity, field, listQuery } from '@fraiseql/schema';
const Order = entity('Order', { view: 'v_order' }, { id: field.id(), customer: field.object('Usr') });
export default defineSchema({ types: [Order], queries: [listQuery('orders', Order, { maxLimit: 1, defaultLimit: 5 })] });
`;

describe('fraiseql CLI', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fraiseql-cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('compiles a TypeScript entry (named `schema` export) to a valid compiled schema file', async () => {
    writeFileSync(join(dir, 'schema.ts'), GOOD_ENTRY);
    const out = join(dir, 'out', 'schema.compiled.json');
    const run = await fraiseql(['compile', join(dir, 'schema.ts'), '-o', out]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const compiled = loadCompiledSchema(readFileSync(out, 'utf8'));
    expect(compiled.types.map((t) => t.name)).toEqual(['Status', 'Ticket']);
    expect(compiled.queries.map((q) => `${q.kind}:${q.name}`)).toEqual(['list:tickets', 'lookup:ticket']);
    expect(run.stdout).toContain(`Compiled 2 types and 2 queries to ${out} (hash ${compiled.hash.slice(0, 12)})`);

    const check = await fraiseql(['compile', join(dir, 'schema.ts'), '-o', out, '--check']);
    expect(check.code).toBe(0);
    writeFileSync(out, '{}');
    const stale = await fraiseql(['compile', join(dir, 'schema.ts'), '-o', out, '--check']);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('is out of date');
    expect(readFileSync(out, 'utf8')).toBe('{}');
  });

  it('exits 1 on compile errors, naming every type and field at fault, and writes nothing', async () => {
    writeFileSync(join(dir, 'schema.ts'), BAD_ENTRY);
    const out = join(dir, 'schema.compiled.json');
    const run = await fraiseql(['compile', join(dir, 'schema.ts'), '-o', out]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('FRAISEQL_SCHEMA_COMPILE_FAILED');
    expect(run.stderr).toContain('Order.customer: unknown type "Usr"');
    expect(run.stderr).toContain('query "orders": maxLimit (1) is smaller than defaultLimit (5)');
    expect(() => readFileSync(out)).toThrow();
  });

  it('exits 1 when the entry exports no schema', async () => {
    writeFileSync(join(dir, 'schema.ts'), 'export const nothing = 1;\n');
    const run = await fraiseql(['compile', join(dir, 'schema.ts')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('exports no schema');
  });

  describe('generate triggers', () => {
    /** The GOOD_ENTRY schema with capture declared on Ticket, re-hashed as the compiler would. */
    async function compiledWithCapture(): Promise<{ file: string; schema: CompiledSchema }> {
      writeFileSync(join(dir, 'schema.ts'), GOOD_ENTRY);
      const file = join(dir, 'schema.compiled.json');
      expect((await fraiseql(['compile', join(dir, 'schema.ts'), '-o', file])).code).toBe(0);
      const compiled = loadCompiledSchema(readFileSync(file, 'utf8'));
      const types = compiled.types.map((t) =>
        t.name === 'Ticket'
          ? {
              ...t,
              capture: {
                table: 'tb_ticket',
                idColumn: 'id',
                preImages: true,
                children: [{ table: 'tb_ticket_comment', parentIdColumn: 'ticket_id' }],
              },
            }
          : t,
      );
      const { hash: _hash, ...rest } = { ...compiled, types };
      const schema = { ...rest, hash: computeSchemaHash(rest) } as CompiledSchema;
      writeFileSync(file, serializeCompiledSchema(schema));
      return { file, schema };
    }

    it('writes the capture-trigger SQL of the compiled schema to -o, naming the entities', async () => {
      const { file, schema } = await compiledWithCapture();
      const out = join(dir, 'sql', '0009_capture.sql');
      const run = await fraiseql(['generate', 'triggers', '-s', file, '-o', out]);
      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(run.stdout).toContain(`Wrote capture triggers for Ticket to ${out}`);
      expect(readFileSync(out, 'utf8')).toBe(generateCaptureTriggers(schema));
      expect(readFileSync(out, 'utf8')).toContain('EXECUTE FUNCTION fraiseql.capture_ticket_on_tb_ticket_comment();');
    });

    it('prints the SQL without -o', async () => {
      const { file, schema } = await compiledWithCapture();
      const run = await fraiseql(['generate', 'triggers', '-s', file]);
      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(run.stdout).toBe(generateCaptureTriggers(schema));
    });

    it('exits 1 on an invalid compiled schema or an unsafe capture identifier', async () => {
      const broken = join(dir, 'broken.json');
      writeFileSync(broken, '{"formatVersion": 1}');
      const invalid = await fraiseql(['generate', 'triggers', '-s', broken]);
      expect(invalid.code).toBe(1);
      expect(invalid.stderr).toContain('FRAISEQL_SCHEMA_INVALID');

      const { file, schema } = await compiledWithCapture();
      const types = schema.types.map((t) =>
        t.capture ? { ...t, capture: { ...t.capture, table: 'tb_ticket; DROP TABLE tb_ticket' } } : t,
      );
      const { hash: _hash, ...rest } = { ...schema, types };
      writeFileSync(file, serializeCompiledSchema({ ...rest, hash: computeSchemaHash(rest) } as CompiledSchema));
      const unsafe = await fraiseql(['generate', 'triggers', '-s', file, '-o', join(dir, 'never.sql')]);
      expect(unsafe.code).toBe(1);
      expect(unsafe.stderr).toContain('Ticket.capture.table');
      expect(() => readFileSync(join(dir, 'never.sql'))).toThrow();
    });
  });

  describe('schema push', () => {
    let nats: TestNatsServer;
    beforeAll(async () => {
      nats = await startNatsServer();
    });
    afterAll(async () => {
      await nats.dispose();
    });

    it('puts the compiled schema into the FRAISEQL_SCHEMA bucket under "active", creating the bucket once', async () => {
      writeFileSync(join(dir, 'schema.ts'), GOOD_ENTRY);
      const file = join(dir, 'schema.compiled.json');
      expect((await fraiseql(['compile', join(dir, 'schema.ts'), '-o', file])).code).toBe(0);

      const first = await fraiseql(['schema', 'push', '-f', file, '--nats-url', nats.url]);
      expect(first).toMatchObject({ code: 0, stderr: '' });
      const second = await fraiseql(['schema', 'push', '-f', file, '--nats-url', nats.url]);
      expect(second.code).toBe(0);
      expect(second.stdout).toContain('(revision 2)');

      const nc = await connect({ servers: nats.url });
      try {
        const kv = await openSchemaBucket(nc);
        expect((await kv.status()).bucket).toBe(KV_BUCKETS.schema);
        const entry = await kv.get(SCHEMA_ACTIVE_KEY);
        expect(loadCompiledSchema(entry!.value)).toEqual(loadCompiledSchema(readFileSync(file, 'utf8')));
      } finally {
        await nc.close();
      }
    });

    it('refuses to push an invalid compiled schema', async () => {
      const file = join(dir, 'broken.json');
      writeFileSync(file, JSON.stringify({ formatVersion: 1, hash: '0'.repeat(64), sdl: 'type Query { a: Int }', types: [], queries: [] }));
      const run = await fraiseql(['schema', 'push', '-f', file, '--nats-url', nats.url, '--bucket', 'SCHEMA_REFUSED']);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('FRAISEQL_SCHEMA_INVALID');
      const nc = await connect({ servers: nats.url });
      try {
        const jsm = await nc.jetstreamManager();
        await expect(jsm.streams.info('KV_SCHEMA_REFUSED')).rejects.toThrow('stream not found');
      } finally {
        await nc.close();
      }
    });
  });
});
