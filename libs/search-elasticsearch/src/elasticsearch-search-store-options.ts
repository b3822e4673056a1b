import { resolve } from 'node:path';
import { FraiseqlError } from '@fraiseql/errors';
import type { RetryPolicy } from '@fraiseql/service-kit';

/** `migrations/elasticsearch` at the repository root (same depth from src/ and dist/). */
export const ELASTICSEARCH_MIGRATIONS_DIR = resolve(__dirname, '../../../migrations/elasticsearch');

export type ElasticsearchAuth = { apiKey: string } | { username: string; password: string };

/** What one `_bulk` round trip did (for metrics: rows written, retries, rejections, latency). */
export interface BulkAttemptReport {
  /** 1 for the first request of a batch, 2.. for the retries of its 429/5xx items. */
  attempt: number;
  /** Actions sent (an event makes two: its event document and its entity document). */
  actions: number;
  /** Actions answered 429/5xx, retried after a delay (or left for the batch's caller when attempts are exhausted). */
  retryable: number;
  /** Actions refused for good (mapping errors): their events are listed in `rejected`. */
  rejected: number;
  /** NDJSON bytes sent. */
  bytes: number;
  seconds: number;
}

export interface ElasticsearchSearchStoreOptions {
  /** URL of an Elasticsearch 9.x node, e.g. `https://es.internal:9200`. */
  node: string;
  /** An API key (the encoded `id:api_key`, as `POST /_security/api_key` returns it) or basic credentials. */
  auth?: ElasticsearchAuth;
  /** PEM of the CA that signed the node's certificate, when it is not a public one. */
  caCertificate?: string;
  /** Per request (default 30 s): a request that takes longer fails as retryable. */
  requestTimeoutMs?: number;
  /**
   * Names the data stream `fraiseql-events-<namespace>` and the index `fraiseql-entities-<namespace>` (default
   * `default`): lowercase letters, digits and `_`. The templates match every namespace.
   */
  namespace?: string;
  /** Days an event stays searchable (default 90): the delete phase's `min_age` of the ILM policy. */
  retentionDays?: number;
  /** Refresh after each `_bulk` (default false: Elasticsearch refreshes every second). Tests use `wait_for`. */
  refresh?: boolean | 'wait_for';
  /** Retries of the items of one `_bulk` answered 429/5xx (default 100 ms doubling to 2 s, 5 attempts in all). */
  itemRetry?: RetryPolicy;
  /** Signs search cursors (HMAC-SHA-256). Give every replica the same secret; without one, cursors are only checksummed. */
  cursorSecret?: string;
  /** Where the template and ILM bodies are read (default: the repository's migrations/elasticsearch). */
  migrationsDir?: string;
  onBulkAttempt?: (report: BulkAttemptReport) => void;
}

/** The options with defaults applied and checked. */
export interface ResolvedStoreOptions extends Omit<ElasticsearchSearchStoreOptions, 'onBulkAttempt' | 'auth' | 'caCertificate'> {
  requestTimeoutMs: number;
  namespace: string;
  retentionDays: number;
  refresh: boolean | 'wait_for';
  itemRetry: RetryPolicy;
  cursorSecret: string;
  migrationsDir: string;
  /** `fraiseql-events-<namespace>` */
  eventsDataStream: string;
  /** `fraiseql-entities-<namespace>` */
  entitiesIndex: string;
}

const NAMESPACE = /^[a-z0-9_]{1,64}$/;
const DEFAULT_ITEM_RETRY: RetryPolicy = {
  initialIntervalMs: 100,
  backoffCoefficient: 2,
  maximumIntervalMs: 2_000,
  maximumAttempts: 5,
  jitter: 0.2,
};
/** Without a configured secret cursors still detect alteration (a checksum); they are not unforgeable. */
const UNKEYED_CURSOR_SECRET = 'fraiseql.search.elasticsearch.cursor.v1';

export function resolveStoreOptions(options: ElasticsearchSearchStoreOptions): ResolvedStoreOptions {
  const invalid = (key: string, why: string): FraiseqlError =>
    new FraiseqlError('FRAISEQL_CONFIG_INVALID', `Elasticsearch search store: ${key} ${why}`, { details: { key } });
  let url: URL;
  try {
    url = new URL(options.node);
  } catch {
    throw invalid('node', 'is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid('node', 'must be an http:// or https:// URL');
  const namespace = options.namespace ?? 'default';
  if (!NAMESPACE.test(namespace)) throw invalid('namespace', 'must be 1..64 lowercase letters, digits or _');
  const retentionDays = options.retentionDays ?? 90;
  if (!Number.isInteger(retentionDays) || retentionDays < 1) throw invalid('retentionDays', 'must be a whole number of days ≥ 1');
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  if (!Number.isInteger(requestTimeoutMs) || requestTimeoutMs < 1) throw invalid('requestTimeoutMs', 'must be a positive integer');
  if (options.cursorSecret === '') throw invalid('cursorSecret', 'must not be empty');
  return {
    node: options.node,
    requestTimeoutMs,
    namespace,
    retentionDays,
    refresh: options.refresh ?? false,
    itemRetry: options.itemRetry ?? DEFAULT_ITEM_RETRY,
    cursorSecret: options.cursorSecret ?? UNKEYED_CURSOR_SECRET,
    migrationsDir: options.migrationsDir ?? ELASTICSEARCH_MIGRATIONS_DIR,
    eventsDataStream: `fraiseql-events-${namespace}`,
    entitiesIndex: `fraiseql-entities-${namespace}`,
  };
}
