import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { KV_BUCKETS, SCHEMA_ACTIVE_KEY } from '@fraiseql/nats-contract';
import { loadCompiledSchema } from '@fraiseql/schema';
import { publishCompiledSchema } from '@fraiseql/schema-kv';
import type { Command } from 'commander';
import { connect } from 'nats';
import type { CommandOutput } from '../command-output';

export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';

export interface SchemaPushOptions {
  file?: string;
  natsUrl?: string;
  /** Default KV_BUCKETS.schema. */
  bucket?: string;
}

export interface SchemaPushResult {
  hash: string;
  revision: number;
  bucket: string;
}

/** `fraiseql schema push`: validates a compiled schema and makes it the active one in KV. */
export async function runSchemaPush(options: SchemaPushOptions): Promise<SchemaPushResult> {
  const file = resolve(options.file ?? 'schema.compiled.json');
  const schema = loadCompiledSchema(await readFile(file, 'utf8'));
  const bucket = options.bucket ?? KV_BUCKETS.schema;
  const nc = await connect({ servers: options.natsUrl ?? process.env.FRAISEQL_NATS_URL ?? DEFAULT_NATS_URL, name: 'fraiseql-cli' });
  try {
    const revision = await publishCompiledSchema(nc, schema, { bucket });
    return { hash: schema.hash, revision, bucket };
  } finally {
    await nc.drain();
  }
}

export function registerSchemaCommand(program: Command, output: CommandOutput): void {
  const schema = program.command('schema').description('Manage the active compiled schema');
  schema
    .command('push')
    .description(
      `Validate a compiled schema and put it into the KV bucket ${KV_BUCKETS.schema} (key "${SCHEMA_ACTIVE_KEY}"); services reload it`,
    )
    .option('-f, --file <file>', 'compiled schema file', 'schema.compiled.json')
    .option('--nats-url <url>', `NATS server (default $FRAISEQL_NATS_URL or ${DEFAULT_NATS_URL})`)
    .option('--bucket <name>', 'KV bucket', KV_BUCKETS.schema)
    .action(async (opts: { file: string; natsUrl?: string; bucket: string }) => {
      const result = await runSchemaPush({ file: opts.file, natsUrl: opts.natsUrl, bucket: opts.bucket });
      output.info(`Pushed schema ${result.hash.slice(0, 12)} to ${result.bucket}/${SCHEMA_ACTIVE_KEY} (revision ${result.revision})`);
    });
}
