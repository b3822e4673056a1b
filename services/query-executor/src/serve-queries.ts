import type { Msg, NatsConnection } from 'nats';
import { FraiseqlError } from '@fraiseql/errors';
import { QUEUE_GROUPS, SUBJECTS } from '@fraiseql/nats-contract';
import type { Logger } from '@fraiseql/service-kit';

export interface ServeQueriesOptions {
  nc: NatsConnection;
  handle: (msg: Msg) => Promise<void>;
  /** Replies FRAISEQL_OVERLOADED to a request that arrives while this many are in flight. */
  maxInFlight: number;
  refuse: (msg: Msg, error: FraiseqlError) => void;
  logger: Logger;
  /** The subject served (default `fraiseql.v1.query`; the mutation service passes `fraiseql.v1.mutation`). */
  subject?: string;
}

export interface QueryService {
  /** Requests being handled now. */
  inFlight(): number;
  /** Stops taking requests (the queue group hands them to other replicas), then waits for those in flight. */
  drain(): Promise<void>;
}

/** Subscribes to `fraiseql.v1.query` in the `query-executor` queue group with bounded concurrency. */
export function serveQueries(options: ServeQueriesOptions): QueryService {
  const { logger } = options;
  const subscription = options.nc.subscribe(options.subject ?? SUBJECTS.query, { queue: QUEUE_GROUPS.queryExecutor });
  const running = new Set<Promise<void>>();

  const loop = (async () => {
    for await (const msg of subscription) {
      if (running.size >= options.maxInFlight) {
        try {
          options.refuse(
            msg,
            new FraiseqlError('FRAISEQL_OVERLOADED', `The query-executor has ${options.maxInFlight} operations in flight; retry shortly`),
          );
        } catch (error) {
          logger.warn({ err: error }, 'could not refuse an overloaded request');
        }
        continue;
      }
      const work = options.handle(msg).catch((error: unknown) => logger.error({ err: error }, 'query handler failed'));
      running.add(work);
      void work.finally(() => running.delete(work));
    }
  })();

  let draining: Promise<void> | undefined;
  return {
    inFlight: () => running.size,
    drain: () =>
      (draining ??= (async () => {
        // A connection already closed has nothing left to drain.
        if (!subscription.isClosed()) await subscription.drain().catch(() => undefined);
        await loop;
        await Promise.allSettled([...running]);
      })()),
  };
}
