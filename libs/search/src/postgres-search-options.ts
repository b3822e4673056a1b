import { Pool } from 'pg';
import { z } from 'zod';
import { FraiseqlError } from '@fraiseql/errors';

export interface PostgresSearchStoreOptions {
  /** A pool the caller owns (`close()` leaves it open), or `connectionString` for a pool of the store's own. */
  pool?: Pool;
  connectionString?: string;
  /** Size of the store's own pool. Default 4. */
  poolMax?: number;
  /** The schema the store owns: created by `prepare()`, nothing else is written. Default `fraiseql_search`. */
  schema?: string;
  /**
   * PostgreSQL text search configuration (`simple`, `english`, `german`, ...): how words become lexemes, for
   * indexing and for queries alike. Default `simple` (no stemming, no stop words: right for ids, names, mixed
   * languages). `prepare()` refuses one PostgreSQL does not have.
   */
  textSearchConfig?: string;
  /** `prepare()` with another configuration than the index was built with rebuilds every tsvector (else it refuses). */
  reindexOnConfigChange?: boolean;
  /** Values of `data` (strings and numbers, in document order) indexed per document; later ones are stored, not indexed. Default 1000. */
  maxTextFields?: number;
  /** Bytes of text indexed per document (UTF-8, after HTML escaping); the rest is stored, not indexed. Default 65536. */
  maxTextBytes?: number;
  /** An event whose `data` is larger (JSON, UTF-8) is rejected with SEARCH_DOCUMENT_TOO_LARGE. Default 1 MiB. */
  maxDocumentBytes?: number;
}

export interface ResolvedSearchOptions {
  schema: string;
  textSearchConfig: string;
  reindexOnConfigChange: boolean;
  maxTextFields: number;
  maxTextBytes: number;
  maxDocumentBytes: number;
}

/** An unquoted PostgreSQL identifier, lower case (so its quoted form names the same schema). */
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
/** `name` or `schema.name`, as `regconfig` reads it. */
const CONFIG_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}(\.[A-Za-z_][A-Za-z0-9_]{0,62})?$/;

const optionsSchema = z
  .object({
    pool: z.instanceof(Pool).optional(),
    connectionString: z.string().min(1).optional(),
    poolMax: z.number().int().min(1).max(100).optional(),
    schema: z.string().regex(IDENTIFIER, 'must be a lower-case identifier (a-z, 0-9, _; at most 63 characters)').optional(),
    textSearchConfig: z.string().regex(CONFIG_NAME, 'must name a text search configuration, e.g. simple or english').optional(),
    reindexOnConfigChange: z.boolean().optional(),
    maxTextFields: z.number().int().min(1).max(1_000_000).optional(),
    // A tsvector holds at most 1 MiB; lexemes plus positions stay well below the text's size at 256 KiB.
    maxTextBytes: z
      .number()
      .int()
      .min(64)
      .max(256 * 1024)
      .optional(),
    maxDocumentBytes: z
      .number()
      .int()
      .min(1024)
      .max(64 * 1024 * 1024)
      .optional(),
  })
  .strict()
  .refine((o) => (o.pool === undefined) !== (o.connectionString === undefined), {
    message: 'give exactly one of pool and connectionString',
  });

export function resolveSearchOptions(options: PostgresSearchStoreOptions): ResolvedSearchOptions {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new FraiseqlError('FRAISEQL_CONFIG_INVALID', `PostgresSearchStore option ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return {
    schema: options.schema ?? 'fraiseql_search',
    textSearchConfig: options.textSearchConfig ?? 'simple',
    reindexOnConfigChange: options.reindexOnConfigChange ?? false,
    maxTextFields: options.maxTextFields ?? 1000,
    maxTextBytes: options.maxTextBytes ?? 64 * 1024,
    maxDocumentBytes: options.maxDocumentBytes ?? 1024 * 1024,
  };
}
