import type { NatsConnection } from 'nats';
import { FraiseqlError } from '@fraiseql/errors';
import {
  analyticsQuerySql,
  classifyClickhouseError,
  HttpClickhouse,
  requestAnalyticsStream,
  type AnalyticsDatasetName,
  type HttpClickhouseOptions,
} from '@fraiseql/clickhouse';
import type { AuthenticatedCaller } from '@fraiseql/identity';

/** One read of an analytics dataset; the org is never part of it (it is the caller's). */
export interface AnalyticsRead {
  dataset: AnalyticsDatasetName;
  from?: string;
  to?: string;
  limit?: number;
}

/**
 * Where flight-server gets the analytics datasets from, as ClickHouse's own ArrowStream bytes (one Arrow IPC
 * stream, in whatever chunks arrive): a ClickHouse server over HTTP, or the sink over NATS when only the sink
 * can open the engine (embedded). Failures are FRAISEQL_CLICKHOUSE_UNAVAILABLE / FRAISEQL_SINK_UNAVAILABLE
 * (UNAVAILABLE), or the query's own FRAISEQL_BAD_REQUEST.
 */
export interface AnalyticsSource {
  readonly kind: 'clickhouse' | 'sink';
  stream(read: AnalyticsRead, caller: AuthenticatedCaller): AsyncIterable<Uint8Array>;
  close(): Promise<void>;
}

export interface AnalyticsSourceOptions {
  /** Set: read ClickHouse directly (FRAISEQL_CLICKHOUSE_URL…); unset: ask the sink over `nc`. */
  clickhouse?: HttpClickhouseOptions;
  /** Longest wait for the sink's answer, or for ClickHouse's (per request). */
  timeoutMs: number;
}

export function openAnalyticsSource(nc: NatsConnection, options: AnalyticsSourceOptions): AnalyticsSource {
  return options.clickhouse ? clickhouseSource({ requestTimeoutMs: options.timeoutMs, ...options.clickhouse }) : sinkSource(nc, options);
}

function clickhouseSource(options: HttpClickhouseOptions): AnalyticsSource {
  const clickhouse = new HttpClickhouse(options);
  return {
    kind: 'clickhouse',
    async *stream(read, caller) {
      const { sql, params } = analyticsQuerySql({ ...read, orgId: caller.orgId });
      try {
        yield* clickhouse.queryStream(sql, params, 'ArrowStream');
      } catch (cause) {
        const failure = classifyClickhouseError(cause);
        throw new FraiseqlError(
          'FRAISEQL_CLICKHOUSE_UNAVAILABLE',
          `ClickHouse did not answer the analytics query (${failure.name ?? failure.category}${failure.code === undefined ? '' : `, code ${failure.code}`}).`,
          { cause, details: { clickhouseCode: failure.code ?? null, category: failure.category } },
        );
      }
    },
    close: () => clickhouse.close(),
  };
}

function sinkSource(nc: NatsConnection, options: AnalyticsSourceOptions): AnalyticsSource {
  return {
    kind: 'sink',
    stream: (read, caller) => requestAnalyticsStream(nc, read, caller, { timeoutMs: options.timeoutMs }),
    close: async () => undefined,
  };
}
