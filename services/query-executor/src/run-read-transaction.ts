import type { Socket } from 'node:net';
import type { Client, Pool, PoolClient, QueryArrayResult } from 'pg';
import type { FraiseqlError } from '@fraiseql/errors';
import { mapPgError } from '@fraiseql/errors';
import { requestSettingsStatement, type RequestSettings } from '@fraiseql/identity';
import {
  failedStatements,
  firstCell,
  notRun,
  onPooledConnection,
  type PlannedStatement,
  type StatementOutcome,
} from './pooled-transaction';
import { BEGIN_READ_ONLY, COMMIT } from './request-context-sql';

/**
 * The prepared-statement name of libs/identity's request-settings statement on the read path.
 * Its text is a constant, so one name per connection is safe (pg refuses a name reused with
 * another text); the mutation path sends the same text unnamed.
 */
const REQUEST_SETTINGS_STATEMENT = 'fraiseql_request_settings';

export interface ReadTransactionResult {
  outcomes: StatementOutcome[];
  /** The first PostgreSQL error as pg raised it (SQL text, detail, hint): for the log only. */
  failure?: unknown;
}

/**
 * Runs the statements of one operation in ONE read-only transaction on one pooled
 * connection, with the request context set transaction-locally. The pool runs in pg's
 * pipeline mode and the socket is corked while they are queued, so BEGIN, the settings, every
 * statement and COMMIT leave in one write and come back in one round trip. A failing statement aborts the transaction: the
 * statements after it are reported with the same code (they could not run), COMMIT turns
 * into ROLLBACK, and the connection goes back to the pool clean.
 */
export function runReadTransaction(
  pool: Pool,
  settings: RequestSettings,
  statements: readonly PlannedStatement[],
): Promise<ReadTransactionResult> {
  return onPooledConnection(
    pool,
    (error) => failedStatements(statements, error),
    async (client, discard) => {
      const setRequestSettings = requestSettingsStatement(settings);
      // pg writes each pipelined query on its own: corked, the whole transaction leaves in one
      // writev (one syscall, and one wake-up of the backend, instead of one per statement).
      const { begin, context, runs, commit } = corked(client, () => ({
        begin: client.query(BEGIN_READ_ONLY),
        // Prepared once per connection (its text never changes): no parse and plan per request.
        context: client.query({ name: REQUEST_SETTINGS_STATEMENT, text: setRequestSettings.text, values: setRequestSettings.values }),
        runs: statements.map((s) => client.query<unknown[]>({ name: s.name, text: s.text, values: s.values, rowMode: 'array' })),
        commit: client.query(COMMIT),
      }));
      const [opened, contextSet, ...rest] = await Promise.allSettled([begin, context, ...runs, commit]);
      const committed = rest.pop()!;

      const setupFailure =
        opened!.status === 'rejected' ? opened!.reason : contextSet!.status === 'rejected' ? contextSet!.reason : undefined;
      if (setupFailure !== undefined) {
        discard(setupFailure as Error);
        return failedStatements(statements, setupFailure);
      }
      let first: { raw: unknown; mapped: FraiseqlError } | undefined;
      const outcomes = rest.map((settled): StatementOutcome => {
        if (settled.status === 'fulfilled') return firstCell(settled.value as QueryArrayResult<unknown[]>);
        if (first) return notRun(first.mapped.code);
        first = { raw: settled.reason, mapped: mapPgError(settled.reason) };
        return first.mapped;
      });
      if (committed.status === 'rejected') discard(committed.reason as Error);
      else if (first && first.mapped.code === 'FRAISEQL_DB_UNAVAILABLE') discard(first.raw as Error);
      return first ? { outcomes, failure: first.raw } : { outcomes };
    },
  );
}

/** Runs `queue` with the connection's socket corked, so what it queues leaves in one write. */
function corked<T>(client: PoolClient, queue: () => T): T {
  // A pooled client is a pg Client; its socket is `connection.stream` (a net.Socket, or a TLS socket).
  const socket = (client as unknown as Client).connection.stream as Partial<Socket>;
  socket.cork?.();
  try {
    return queue();
  } finally {
    socket.uncork?.();
  }
}
