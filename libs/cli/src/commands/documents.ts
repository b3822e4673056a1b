import { FraiseqlError } from '@fraiseql/errors';
import {
  checkDocument,
  decodeTrustedDocument,
  documentCheckSchema,
  documentIdOf,
  encodeTrustedDocument,
  parseDocumentId,
  type TrustedDocument,
} from '@fraiseql/graphql-runtime';
import { KV_BUCKETS, openDocumentsBucket } from '@fraiseql/nats-contract';
import type { Command } from 'commander';
import type { KV, NatsConnection } from 'nats';
import type { CommandOutput } from '../command-output';
import { connectNats } from '../connect-nats';
import { readDocumentInputs } from '../documents/read-document-inputs';
import { loadObserverSchema } from '../observers/load-observer-schema';
import { DEFAULT_NATS_URL } from './schema-push';

export interface DocumentsPushOptions {
  /** .graphql/.gql files, directories of them, JSON manifests. */
  paths: readonly string[];
  /** A TypeScript schema entry or a schema.compiled.json; absent: FRAISEQL_SCHEMA_SOURCE if a path, else the active schema in KV. */
  schema?: string;
  natsUrl?: string;
}

export interface PushedDocument {
  id: string;
  source: string;
  operations: TrustedDocument['operations'];
}

export interface RefusedDocument {
  source: string;
  problems: string[];
}

export type DocumentsPushResult = { pushed: PushedDocument[]; schemaSource: string } | { refused: RefusedDocument[]; schemaSource: string };

const natsUrlOf = (flag: string | undefined): string => flag ?? process.env.FRAISEQL_NATS_URL ?? DEFAULT_NATS_URL;

/**
 * `fraiseql documents push`: every document is validated against the compiled schema first; if any
 * is refused, none is pushed. Each is stored in FRAISEQL_DOCUMENTS under the sha256 hex of its text.
 */
export async function runDocumentsPush(options: DocumentsPushOptions): Promise<DocumentsPushResult> {
  const inputs = await readDocumentInputs(options.paths);
  if (inputs.length === 0) throw new FraiseqlError('FRAISEQL_BAD_REQUEST', 'no documents found (.graphql, .gql or a JSON manifest)');
  const schemaPath =
    options.schema ??
    (process.env.FRAISEQL_SCHEMA_SOURCE && process.env.FRAISEQL_SCHEMA_SOURCE !== 'kv' ? process.env.FRAISEQL_SCHEMA_SOURCE : undefined);
  const nc = await connectNats(natsUrlOf(options.natsUrl), 'fraiseql-cli documents');
  try {
    const { schema, source: schemaSource } = await loadObserverSchema(schemaPath, nc);
    const graphqlSchema = documentCheckSchema(schema);
    const refused: RefusedDocument[] = [];
    const accepted: Array<PushedDocument & { text: string }> = [];
    for (const input of inputs) {
      const id = documentIdOf(input.text);
      const problems: string[] = [];
      if (input.claimedId !== undefined && parseDocumentId(input.claimedId) !== id) {
        problems.push(`the manifest key is not the sha256 of the document (sha256:${id}); ids are always sha256 of the text`);
      }
      const check = checkDocument(graphqlSchema, input.text);
      if (!check.ok) problems.push(...check.problems);
      if (problems.length > 0 || !check.ok) refused.push({ source: input.source, problems });
      else accepted.push({ id, source: input.source, operations: check.operations, text: input.text });
    }
    if (refused.length > 0) return { refused, schemaSource };
    const kv = await openDocumentsBucket(nc);
    const pushedAt = new Date().toISOString();
    for (const doc of accepted) {
      await kv.put(
        doc.id,
        encodeTrustedDocument({ document: doc.text, operations: doc.operations, source: doc.source, schemaHash: schema.hash, pushedAt }),
      );
    }
    return { pushed: accepted.map(({ id, source, operations }) => ({ id, source, operations })), schemaSource };
  } finally {
    await nc.drain().catch(() => nc.close());
  }
}

export interface ListedDocument extends TrustedDocument {
  id: string;
}

/** `fraiseql documents list`: the trusted documents in FRAISEQL_DOCUMENTS (none when the bucket does not exist). */
export async function listTrustedDocuments(natsUrl?: string): Promise<ListedDocument[]> {
  const nc = await connectNats(natsUrlOf(natsUrl), 'fraiseql-cli documents');
  try {
    const kv = await existingDocumentsBucket(nc);
    if (!kv) return [];
    const keys: string[] = [];
    for await (const key of await kv.keys()) keys.push(key);
    const listed: ListedDocument[] = [];
    for (const key of keys) {
      const entry = await kv.get(key);
      if (!entry || entry.operation !== 'PUT') continue;
      const document = decodeTrustedDocument(key, entry.value);
      if (document) listed.push({ id: key, ...document });
    }
    return listed.sort((a, b) => a.id.localeCompare(b.id));
  } finally {
    await nc.close();
  }
}

/** `fraiseql documents remove <id>`: whether the document existed (it stops running in strict mode at once). */
export async function removeTrustedDocument(ref: string, natsUrl?: string): Promise<boolean> {
  const id = parseDocumentId(ref);
  if (id === undefined) throw new FraiseqlError('FRAISEQL_BAD_REQUEST', `"${ref}" is not a document id (sha256:<64 hex digits>)`);
  const nc: NatsConnection = await connectNats(natsUrlOf(natsUrl), 'fraiseql-cli documents');
  try {
    const kv = await existingDocumentsBucket(nc);
    const entry = await kv?.get(id);
    if (!kv || !entry || entry.operation !== 'PUT') return false;
    await kv.delete(id);
    return true;
  } finally {
    await nc.close();
  }
}

/** FRAISEQL_DOCUMENTS when it exists (read-only commands never create it; a bound KV view does not check). */
async function existingDocumentsBucket(nc: NatsConnection): Promise<KV | undefined> {
  try {
    await (await nc.jetstreamManager()).streams.info(`KV_${KV_BUCKETS.documents}`);
  } catch (error) {
    if (/not found/i.test((error as Error).message)) return undefined;
    throw new FraiseqlError('FRAISEQL_NATS_UNAVAILABLE', `cannot open the KV bucket ${KV_BUCKETS.documents}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return nc.jetstream().views.kv(KV_BUCKETS.documents, { bindOnly: true });
}

const operationsText = (operations: TrustedDocument['operations']): string =>
  operations.map((o) => `${o.type} ${o.name ?? '(anonymous)'}`).join(', ');

export function registerDocumentsCommand(program: Command, output: CommandOutput): void {
  const documents = program
    .command('documents')
    .description(`Trusted documents (${KV_BUCKETS.documents}): the persisted operations the gateway runs in strict mode`);
  documents
    .command('push <paths...>')
    .description('Validate .graphql/.gql files, directories of them or JSON manifests against the schema, then push all (or none)')
    .option(
      '--schema <file>',
      'a TypeScript schema entry or a schema.compiled.json (default: FRAISEQL_SCHEMA_SOURCE, else the active schema)',
    )
    .option('--nats-url <url>', `NATS server (default $FRAISEQL_NATS_URL or ${DEFAULT_NATS_URL})`)
    .option('--json', 'machine-readable output')
    .action(async (paths: string[], flags: { schema?: string; natsUrl?: string; json?: boolean }) => {
      const result = await runDocumentsPush({
        paths,
        ...(flags.schema ? { schema: flags.schema } : {}),
        ...(flags.natsUrl ? { natsUrl: flags.natsUrl } : {}),
      });
      if (flags.json) output.info(JSON.stringify(result, null, 2));
      if ('refused' in result) {
        if (!flags.json) {
          for (const r of result.refused) for (const problem of r.problems) output.error(`${r.source}: ${problem}`);
        }
        throw new FraiseqlError(
          'GRAPHQL_VALIDATION_FAILED',
          `${result.refused.length} document(s) refused against ${result.schemaSource}: nothing pushed`,
        );
      }
      if (!flags.json) {
        for (const doc of result.pushed) {
          for (const op of doc.operations) output.info(`sha256:${doc.id}  ${op.type} ${op.name ?? '(anonymous)'}  ${doc.source}`);
        }
      }
      output.error(`${result.pushed.length} document(s) pushed to ${KV_BUCKETS.documents} (validated against ${result.schemaSource})`);
    });
  documents
    .command('list')
    .description('List the trusted documents')
    .option('--nats-url <url>', `NATS server (default $FRAISEQL_NATS_URL or ${DEFAULT_NATS_URL})`)
    .option('--json', 'machine-readable output (with the document text)')
    .action(async (flags: { natsUrl?: string; json?: boolean }) => {
      const listed = await listTrustedDocuments(flags.natsUrl);
      if (flags.json) for (const doc of listed) output.info(JSON.stringify(doc));
      else
        for (const doc of listed) output.info(`sha256:${doc.id}  ${operationsText(doc.operations)}  ${doc.source ?? ''}  ${doc.pushedAt}`);
      output.error(`${listed.length} trusted document(s)`);
    });
  documents
    .command('remove <id>')
    .description('Remove a trusted document (sha256:<hex>); a strict gateway refuses it at once')
    .option('--nats-url <url>', `NATS server (default $FRAISEQL_NATS_URL or ${DEFAULT_NATS_URL})`)
    .action(async (ref: string, flags: { natsUrl?: string }) => {
      if (!(await removeTrustedDocument(ref, flags.natsUrl)))
        throw new FraiseqlError('FRAISEQL_DOCUMENT_NOT_FOUND', `no trusted document ${ref}`);
      output.info(`removed ${ref}`);
    });
}
