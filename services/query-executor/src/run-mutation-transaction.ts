import type { Pool } from 'pg';
import { FraiseqlError } from '@fraiseql/errors';
import { mapPgError } from '@fraiseql/errors';
import { requestSettingsStatement, type RequestSettings } from '@fraiseql/identity';
import { BEGIN_READ_WRITE, CLAIM_IDEMPOTENCY_KEY, COMMIT, READ_IDEMPOTENCY_KEY, ROLLBACK, STORE_IDEMPOTENT_RESPONSE } from './mutation-sql';
import {
  failedStatements,
  firstCell,
  notRun,
  onPooledConnection,
  type PlannedStatement,
  type StatementOutcome,
} from './pooled-transaction';

/**
 * A native mutation field run among the statements, in step order (docs/adr/0105-admin-dead-letters-native-fields.md):
 * its effect is outside PostgreSQL, so it is not undone by a rollback; its outcome never aborts the transaction.
 */
export interface NativeMutationWork {
  native: () => Promise<StatementOutcome>;
}

export type MutationWork = PlannedStatement | NativeMutationWork;

/** A mutation's settings name what change capture records with its events: the traceparent and the schema version. */
export type MutationSettings = RequestSettings & Required<Pick<RequestSettings, 'traceparent' | 'schemaVersion'>>;

/** The Idempotency-Key of a request, and how to render the response to store with it. */
export interface IdempotencyClaim {
  /** The caller's org, or the nil UUID. */
  orgId: string;
  key: string;
  /** sha256 of what was asked (document, operation, variables, caller). */
  operationHash: string;
  /** The response body for the statements' outcomes; stored in the same transaction. */
  render(outcomes: StatementOutcome[]): string;
}

export type MutationTransactionResult =
  /** The statements ran (and committed, unless one failed: then everything was rolled back). */
  | { kind: 'ran'; outcomes: StatementOutcome[]; committed: boolean; failure?: unknown; body?: string }
  /** The key was used before for the same operation: its stored response, nothing ran. */
  | { kind: 'replayed'; body: string }
  /** The key was used before for another operation. */
  | { kind: 'reused' };

/**
 * Runs mutation statements in ONE read-write transaction with the request context set
 * transaction-locally (docs/adr/0082-mutations.md). With an idempotency claim, the key row is
 * inserted before anything else and the response stored before COMMIT, so the key is recorded
 * if and only if the mutation committed. A failing statement rolls back the whole transaction.
 * Unlike a read, each statement waits for the one before: the claim decides whether anything
 * runs, and a failure at COMMIT (deferred constraints) must fail every statement.
 */
export function runMutationTransaction(
  pool: Pool,
  settings: MutationSettings,
  statements: readonly MutationWork[],
  idempotency?: IdempotencyClaim,
): Promise<MutationTransactionResult> {
  const notCommitted = (error: unknown): MutationTransactionResult => ({
    kind: 'ran',
    committed: false,
    ...failedStatements(statements, error),
  });
  return onPooledConnection(pool, notCommitted, async (client, discard): Promise<MutationTransactionResult> => {
    let open = false;
    try {
      open = true;
      await client.query(BEGIN_READ_WRITE);
      const setRequestSettings = requestSettingsStatement(settings);
      await client.query(setRequestSettings.text, setRequestSettings.values);
      if (idempotency) {
        const claim = await client.query(CLAIM_IDEMPOTENCY_KEY, [idempotency.orgId, idempotency.key, idempotency.operationHash]);
        if (claim.rowCount === 0) {
          const found = await client.query<{ operation_hash: string; response: string | null }>(READ_IDEMPOTENCY_KEY, [
            idempotency.orgId,
            idempotency.key,
          ]);
          await client.query(ROLLBACK);
          open = false;
          const row = found.rows[0];
          // Gone between the conflict and the read (pruned): the caller retries and claims it anew.
          if (!row || row.response === null)
            throw new FraiseqlError('FRAISEQL_DB_SERIALIZATION_FAILURE', 'The idempotency key changed while it was read; retry');
          return row.operation_hash === idempotency.operationHash ? { kind: 'replayed', body: row.response } : { kind: 'reused' };
        }
      }
      const outcomes: StatementOutcome[] = [];
      for (const [i, s] of statements.entries()) {
        if ('native' in s) {
          outcomes.push(await s.native());
          continue;
        }
        try {
          const result = await client.query<unknown[]>({ name: s.name, text: s.text, values: s.values, rowMode: 'array' });
          outcomes.push(firstCell(result));
        } catch (error) {
          const mapped = mapPgError(error);
          outcomes.push(mapped);
          for (let j = i + 1; j < statements.length; j++) outcomes.push(notRun(mapped.code));
          await client.query(ROLLBACK);
          open = false;
          return { kind: 'ran', outcomes, committed: false, failure: error };
        }
      }
      let body: string | undefined;
      if (idempotency) {
        body = idempotency.render(outcomes);
        await client.query(STORE_IDEMPOTENT_RESPONSE, [idempotency.orgId, idempotency.key, body]);
      }
      await client.query(COMMIT);
      open = false;
      return body === undefined ? { kind: 'ran', outcomes, committed: true } : { kind: 'ran', outcomes, committed: true, body };
    } catch (error) {
      if (open) {
        // Whatever state the transaction is in, it must not go back to the pool open.
        await client.query(ROLLBACK).catch((rollbackError: Error) => discard(rollbackError));
      }
      if (error instanceof FraiseqlError) throw error;
      if (mapPgError(error).code === 'FRAISEQL_DB_UNAVAILABLE') discard(error as Error);
      return notCommitted(error);
    }
  });
}
