import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { removeTrustedDocument, runDocumentsPush } from '@fraiseql/cli';
import type { Gateway } from '@fraiseql/gateway';
import { documentIdOf, graphqlRuntimeConfigShape, plannerLimitsFromConfig, roleQueryLimitsFromConfig } from '@fraiseql/graphql-runtime';
import type { QueryExecutor } from '@fraiseql/query-executor';
import { compileSchema, connectionQuery, defineSchema, entity, field, listQuery, type CompiledSchema } from '@fraiseql/schema';
import { publishCompiledSchema } from '@fraiseql/schema-kv';
import { defineConfig, loadConfig } from '@fraiseql/service-kit';
import { waitFor } from '@fraiseql/testkit';
import { ORG_A } from './fixtures/notes-schema';
import { startNotesStack, type NotesStack } from './fixtures/notes-stack';
import { GRAPHQL_RESPONSE, graphql, jwtFor, startExecutor, startGateway, type HttpResult } from './fixtures/services-in-process';

// Per-role query limits and trusted documents through a real gateway, NATS (KV FRAISEQL_DOCUMENTS) and a real
// query-executor on PostgreSQL (docs/adr/0134-trusted-documents-and-limits.md).

/** The notes tables with cost weights: the `notes` query weighs 5, a note's `body` 3. */
function weightedNotesSchema(): CompiledSchema {
  const Note = entity(
    'Note',
    { view: 'v_note' },
    {
      id: field.id(),
      title: field.string({ column: 'title' }),
      body: field.string({ nullable: true, cost: 3 }),
      rank: field.int({ column: 'rank' }),
      createdAt: field.dateTime({ column: 'created_at' }),
    },
  );
  return compileSchema(
    defineSchema({
      types: [Note],
      queries: [listQuery('notes', Note, { cost: 5 }), connectionQuery('notesConnection', Note)],
    }),
  );
}

const runtime = defineConfig({ service: 'limits-test', schema: z.object(graphqlRuntimeConfigShape) });
/** Defaults that a `reader` (no entry) is held to, a generous `analyst`, and an `anonymous` entry. */
const config = loadConfig(runtime, {
  env: {
    FRAISEQL_LIMIT_MAX_DEPTH: '3',
    FRAISEQL_LIMIT_MAX_NODES: '5',
    FRAISEQL_LIMIT_MAX_COST: '10',
    FRAISEQL_GRAPHQL_ROLE_LIMITS: JSON.stringify({ analyst: { depth: 10, nodes: 1000, cost: 5000 }, anonymous: { depth: 1 } }),
  },
});
const LIMITS = { ...plannerLimitsFromConfig(config), maxAliases: 30, maxDocumentBytes: 65_536 };

const RANKED = '{ notes(limit: 3, orderBy: [{ field: rank }]) { title body } }';
const ALPHA_RANKED = [
  { title: 'alpha one', body: 'first of A' },
  { title: 'alpha two', body: null },
  { title: 'alpha three', body: "it's -- '; DROP TABLE tb_note; --" },
];

async function post(gateway: Gateway, body: unknown, token?: string): Promise<HttpResult> {
  return graphql(gateway, { query: '' }, { rawBody: JSON.stringify(body), accept: GRAPHQL_RESPONSE, ...(token ? { token } : {}) });
}

describe('per-role query limits and trusted documents (gateway → NATS → query-executor → PostgreSQL)', () => {
  let stack: NotesStack;
  let executor: QueryExecutor;
  let limited: Gateway;
  let strict: Gateway;
  let reader: string;
  let analyst: string;
  let dir: string;
  let schemaFile: string;

  beforeAll(async () => {
    stack = await startNotesStack({ publishSchema: false });
    const schema = weightedNotesSchema();
    await publishCompiledSchema(stack.nc, schema);
    dir = mkdtempSync(join(tmpdir(), 'fraiseql-documents-'));
    schemaFile = join(dir, 'schema.compiled.json');
    writeFileSync(schemaFile, JSON.stringify(schema));
    // The executor plans up to the most generous role limit; the gateway holds each caller to its own.
    executor = await startExecutor(stack, { limits: LIMITS });
    limited = (await startGateway(stack, { limits: LIMITS, queryLimits: roleQueryLimitsFromConfig(config), trustedDocuments: 'allow' }))
      .gateway;
    strict = (await startGateway(stack, { trustedDocuments: 'strict' })).gateway;
    reader = await jwtFor({ sub: 'rita', org_id: ORG_A, roles: ['reader'] });
    analyst = await jwtFor({ sub: 'anna', org_id: ORG_A, roles: ['reader', 'analyst'] });
  });
  afterAll(async () => {
    await limited?.close();
    await strict?.close();
    await executor?.close();
    await stack?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('per-role limits', () => {
    it("refuses a reader the weighted cost an analyst may spend, naming the computed cost and the reader's limit", async () => {
      // 5 (notes) + 3 notes × (title 1 + body 3) = 17: over the default 10, under the analyst's 5000.
      const refused = await post(limited, { query: RANKED }, reader);
      expect(refused.status).toBe(400);
      expect(refused.body.errors).toEqual([
        {
          message: "The query's estimated cost 17 exceeds this caller's limit 10.",
          extensions: { code: 'FRAISEQL_COST_LIMIT_EXCEEDED', cost: 17, maxCost: 10 },
        },
      ]);
      const served = await post(limited, { query: RANKED }, analyst);
      expect(served.status).toBe(200);
      expect(served.body).toEqual({ data: { notes: ALPHA_RANKED } });
    });

    it('refuses a reader more estimated nodes than its limit, and serves the analyst', async () => {
      const query = '{ notes(limit: 8, orderBy: [{ field: rank }]) { title } }';
      const refused = await post(limited, { query }, reader);
      expect(refused.status).toBe(400);
      expect(refused.body.errors?.[0]?.extensions).toEqual({ code: 'FRAISEQL_NODE_LIMIT_EXCEEDED', nodes: 8, maxNodes: 5 });
      const served = await post(limited, { query }, analyst);
      expect(served.body).toEqual({ data: { notes: [{ title: 'alpha one' }, { title: 'alpha two' }, { title: 'alpha three' }] } });
    });

    it('refuses a reader a depth the analyst may reach (the executor plans up to the most generous limit)', async () => {
      const query = '{ notesConnection(first: 1, orderBy: [{ field: rank }]) { edges { node { title } } } }';
      const refused = await post(limited, { query }, reader);
      expect(refused.body.errors?.[0]?.extensions).toEqual({ code: 'FRAISEQL_DEPTH_LIMIT_EXCEEDED', depth: 4, maxDepth: 3 });
      const served = await post(limited, { query }, analyst);
      expect(served.status).toBe(200);
      expect(served.body).toEqual({ data: { notesConnection: { edges: [{ node: { title: 'alpha one' } }] } } });
    });

    it('holds a caller without credentials to the anonymous entry', async () => {
      const refused = await post(limited, { query: '{ notes(limit: 1) { id } }' });
      expect(refused.body.errors?.[0]?.extensions).toEqual({ code: 'FRAISEQL_DEPTH_LIMIT_EXCEEDED', depth: 2, maxDepth: 1 });
    });

    it('in allow mode runs ad-hoc documents and answers an unknown id with FRAISEQL_DOCUMENT_NOT_FOUND', async () => {
      const adHoc = await post(limited, { query: '{ notes(limit: 1, orderBy: [{ field: rank }]) { title } }' }, analyst);
      expect(adHoc.body).toEqual({ data: { notes: [{ title: 'alpha one' }] } });
      const unknown = await post(limited, { documentId: `sha256:${'0'.repeat(64)}` }, analyst);
      expect(unknown.status).toBe(400);
      expect(unknown.body.errors?.[0]?.extensions).toMatchObject({ code: 'FRAISEQL_DOCUMENT_NOT_FOUND' });
    });
  });

  describe('strict trusted documents', () => {
    const TITLES = 'query Titles { notes(orderBy: [{ field: rank }]) { title } }\n';
    const TITLES_DATA = { data: { notes: [{ title: 'alpha one' }, { title: 'alpha two' }, { title: 'alpha three' }] } };
    const titlesId = documentIdOf(TITLES);

    it('refuses an ad-hoc document and an unknown id with 403 FRAISEQL_DOCUMENT_NOT_TRUSTED', async () => {
      const adHoc = await post(strict, { query: '{ notes { title } }' }, reader);
      expect(adHoc.status).toBe(403);
      expect(adHoc.body.errors?.[0]?.extensions.code).toBe('FRAISEQL_DOCUMENT_NOT_TRUSTED');
      const unknown = await post(strict, { documentId: `sha256:${'a'.repeat(64)}` }, reader);
      expect(unknown.status).toBe(403);
      expect(unknown.body.errors?.[0]?.extensions.code).toBe('FRAISEQL_DOCUMENT_NOT_TRUSTED');
    });

    it('runs a document pushed while it runs, by documentId, by Apollo persistedQuery hash, over GET and by its exact text', async () => {
      const before = await post(strict, { documentId: `sha256:${titlesId}` }, reader);
      expect(before.status).toBe(403);

      const file = join(dir, 'titles.graphql');
      writeFileSync(file, TITLES);
      const result = await runDocumentsPush({ paths: [file], schema: schemaFile, natsUrl: stack.nats.url });
      expect(result).toMatchObject({ pushed: [{ id: titlesId, operations: [{ name: 'Titles', type: 'query' }] }] });

      // No restart: the gateway's KV watch picks the document up.
      await waitFor(async () => (await post(strict, { documentId: `sha256:${titlesId}` }, reader)).status === 200);
      expect((await post(strict, { documentId: `sha256:${titlesId}` }, reader)).body).toEqual(TITLES_DATA);
      const apollo = await post(strict, { extensions: { persistedQuery: { version: 1, sha256Hash: titlesId } } }, reader);
      expect(apollo.body).toEqual(TITLES_DATA);
      const overGet = await fetch(`${strict.address}/graphql?documentId=sha256:${titlesId}`, {
        headers: { authorization: `Bearer ${reader}` },
      });
      expect(await overGet.json()).toEqual(TITLES_DATA);
      expect((await post(strict, { query: TITLES }, reader)).body).toEqual(TITLES_DATA);
      // The same operation with different text is another document.
      expect((await post(strict, { query: TITLES.trim() }, reader)).status).toBe(403);
      // An id and a text that do not match are a bad request, whatever the mode.
      const mismatch = await post(
        strict,
        { query: '{ notes { id } }', extensions: { persistedQuery: { version: 1, sha256Hash: titlesId } } },
        reader,
      );
      expect(mismatch.body.errors?.[0]?.extensions.code).toBe('FRAISEQL_BAD_REQUEST');
    });

    it('stops running a document once it is removed', async () => {
      const text = 'query Ranks { notes(orderBy: [{ field: rank }]) { rank } }';
      const file = join(dir, 'ranks.graphql');
      writeFileSync(file, text);
      await runDocumentsPush({ paths: [file], schema: schemaFile, natsUrl: stack.nats.url });
      const id = documentIdOf(text);
      await waitFor(async () => (await post(strict, { documentId: `sha256:${id}` }, reader)).status === 200);

      expect(await removeTrustedDocument(`sha256:${id}`, stack.nats.url)).toBe(true);
      await waitFor(async () => (await post(strict, { documentId: `sha256:${id}` }, reader)).status === 403);
      expect((await post(strict, { query: text }, reader)).status).toBe(403);
    });
  });
});
