import type { Schema } from 'apache-arrow';
import { copyQueryToArrow } from '@fraiseql/arrow';
import { mapPgError } from '@fraiseql/errors';
import type { AuthenticatedCaller } from '@fraiseql/identity';
import { assembleSelection } from './arrow-batches';
import type { FlightServiceDeps } from './flight-service-deps';
import type { PlannedGraphqlTicket } from './plan-graphql-ticket';
import { PostgresSession } from './postgres-session';

/** The Arrow schema of a graphql ticket: its SQL run with LIMIT 0 and assembled like the data. */
export async function readGraphqlSchema(
  deps: FlightServiceDeps,
  { plan, sql }: PlannedGraphqlTicket,
  principal: AuthenticatedCaller,
): Promise<Schema> {
  const session = await PostgresSession.open(deps.pool, {
    readOnly: true,
    statementTimeoutMs: deps.settings.statementTimeoutMs,
    principal,
  });
  try {
    for await (const batch of copyQueryToArrow(session.client, `SELECT * FROM (${sql}) AS s LIMIT 0`))
      return assembleSelection(batch, plan.columns).schema;
    throw new Error('no schema batch');
  } catch (error) {
    throw mapPgError(error);
  } finally {
    await session.rollback();
  }
}
