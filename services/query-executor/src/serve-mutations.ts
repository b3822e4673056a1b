import type { Msg, NatsConnection } from 'nats';
import type { Pool } from 'pg';
import type { Counter } from 'prom-client';
import type { FraiseqlError } from '@fraiseql/errors';
import { SUBJECTS } from '@fraiseql/nats-contract';
import type { QueryPlanner } from '@fraiseql/query-planner';
import type { Logger, RedMetrics } from '@fraiseql/service-kit';
import type { MutationAudit } from './audit/mutation-audit';
import { createMutationHandler } from './handle-mutation';
import type { NativeFieldResolvers } from './native-fields';
import { pruneIdempotencyKeys } from './prune-idempotency-keys';
import { refuse } from './request-envelope';
import { serveQueries, type QueryService } from './serve-queries';

/** Idempotency keys are kept at least this long (docs/adr/0082-mutations.md). */
const DEFAULT_IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60 * 1000;

export interface ServeMutationsOptions {
  nc: NatsConnection;
  pool: Pool;
  planner: () => QueryPlanner | undefined;
  statementTimeoutMs: number;
  /** The role request transactions run as (ADR 0132); omitted: the pool's own role. */
  requestRole?: string | undefined;
  /** Bound on mutations in flight (separate from the bound on queries). */
  maxInFlight: number;
  /** Default 24 h. */
  idempotencyRetentionMs?: number;
  metrics: RedMetrics;
  heartbeatsSent: Counter;
  logger: Logger;
  /** The resolvers of native mutation fields (ADR 0105). */
  nativeResolvers?: NativeFieldResolvers;
  /** Records admin mutations in the audit log (ADR 0137); omitted: not audited. */
  audit?: MutationAudit | undefined;
}

/**
 * Serves `fraiseql.v1.mutation` in the `query-executor` queue group (docs/adr/0082-mutations.md)
 * and prunes expired idempotency keys. `drain` stops taking mutations, waits for those in
 * flight and stops the pruning.
 */
export function serveMutations(options: ServeMutationsOptions): QueryService {
  const { logger, metrics } = options;
  const handle = createMutationHandler(options);
  const service = serveQueries({
    nc: options.nc,
    subject: SUBJECTS.mutation,
    handle,
    maxInFlight: options.maxInFlight,
    refuse: (msg: Msg, error: FraiseqlError) => {
      metrics.observe('mutation', error.code, 0);
      refuse(msg, error);
    },
    logger,
  });
  const retentionMs = options.idempotencyRetentionMs ?? DEFAULT_IDEMPOTENCY_RETENTION_MS;
  const stopPruning = pruneIdempotencyKeys(options.pool, { retentionMs, intervalMs: Math.min(retentionMs, 60 * 60 * 1000), logger });
  let draining: Promise<void> | undefined;
  return {
    inFlight: () => service.inFlight(),
    drain: () => (draining ??= Promise.all([service.drain(), stopPruning()]).then(() => undefined)),
  };
}
