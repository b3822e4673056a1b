import type { NatsConnection } from 'nats';
import { FileSchemaSource, type SchemaSource, type SchemaSourceLogger } from '@fraiseql/schema';
import { KvSchemaSource } from '@fraiseql/schema-kv';

/** The value of FRAISEQL_SCHEMA_SOURCE: `kv`, or a path to schema.compiled.json. */
export type SchemaSourceSpec = 'kv' | (string & {});

export interface OpenSchemaSourceOptions {
  /** The connection the KV source watches; unused for a file. */
  nc: NatsConnection;
  logger?: SchemaSourceLogger;
  /** Stat-poll interval of a file source (it backs up fs.watch). Default 1000 ms. */
  pollIntervalMs?: number;
}

/**
 * The schema source FRAISEQL_SCHEMA_SOURCE names, not started yet: the caller attaches its
 * `change` listener (see `watchPlanners`) first, so the initial version is not missed.
 */
export function openSchemaSource(spec: SchemaSourceSpec, options: OpenSchemaSourceOptions): SchemaSource {
  if (spec === 'kv') return new KvSchemaSource({ nc: options.nc, ...(options.logger ? { logger: options.logger } : {}) });
  return new FileSchemaSource({
    path: spec,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.pollIntervalMs !== undefined ? { pollIntervalMs: options.pollIntervalMs } : {}),
  });
}
