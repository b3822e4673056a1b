import { FraiseqlError, mapPgError } from '@fraiseql/errors';
import type { Action, ActionType, FlightResult } from '@fraiseql/flight';
import { requireOrg, type AuthenticatedCaller } from '@fraiseql/identity';
import { holdsAnyRole } from '@fraiseql/schema';
import type { FlightServiceDeps, RunningStream } from './flight-service-deps';
import { PostgresSession } from './postgres-session';

export const FLIGHT_ACTIONS: ActionType[] = [
  {
    type: 'refresh',
    description:
      'Reload a ta_* table from its source view for the caller\'s org, in one transaction. Body: {"table":"ta_…"}. Result: {"table","deleted","inserted"}.',
  },
  {
    type: 'cancel',
    description:
      'Cancel one of the caller\'s running streams (its PostgreSQL query is cancelled). Body: {"streamId":"…"} from the x-fraiseql-stream-id response header. Result: {"cancelled":true|false}.',
  },
  {
    type: 'schema-versions',
    description: 'The compiled schema versions this server knows, newest last. Result: [{"hash","revision","createdAt","active"}].',
  },
  { type: 'list-datasets', description: 'The datasets of the compiled schema with their typed columns. Result: JSON.' },
];

async function refresh(deps: FlightServiceDeps, body: Record<string, unknown>, principal: AuthenticatedCaller): Promise<FlightResult[]> {
  const { metrics } = deps;
  const table = typeof body.table === 'string' ? body.table : '';
  const catalog = deps.catalog();
  // A refresh reads the source and writes the table: both datasets' rules apply (ADR 0136).
  const dataset = catalog.readableDataset(table, principal);
  if (dataset.kind !== 'table' || dataset.refreshFrom === undefined)
    throw new FraiseqlError('BAD_USER_INPUT', `${dataset.name} is not a ta_* table with a refreshFrom source.`);
  catalog.readableDataset(dataset.refreshFrom, principal);
  if (dataset.tenantScoped) requireOrg(principal, `Table ${dataset.name}`);
  const release = deps.slots.acquire(principal);
  metrics.activeStreams.inc();
  const session = await PostgresSession.open(deps.pool, {
    readOnly: false,
    statementTimeoutMs: deps.settings.statementTimeoutMs,
    principal,
  }).catch((error: unknown) => {
    release();
    metrics.activeStreams.dec();
    throw error;
  });
  try {
    const columns = dataset.columns.map((c) => `"${c.name}"`).join(', ');
    const scoped = dataset.tenantScoped && dataset.orgColumn !== undefined;
    const where = scoped ? ` WHERE "${dataset.orgColumn}" = $1::uuid` : '';
    const params = scoped ? [principal.orgId] : [];
    const deleted = await session.client.query(`DELETE FROM "${dataset.name}"${where}`, params);
    const inserted = await session.client.query(
      `INSERT INTO "${dataset.name}" (${columns}) SELECT ${columns} FROM "${dataset.refreshFrom}"${where}`,
      params,
    );
    await session.commit();
    return [
      {
        body: Buffer.from(
          JSON.stringify({
            table: dataset.name,
            source: dataset.refreshFrom,
            deleted: deleted.rowCount ?? 0,
            inserted: inserted.rowCount ?? 0,
          }),
        ),
      },
    ];
  } catch (error) {
    await session.rollback();
    throw mapPgError(error);
  } finally {
    release();
    metrics.activeStreams.dec();
  }
}

function actionBody(action: Action): Record<string, unknown> {
  const bytes = action.body ?? new Uint8Array(0);
  if (bytes.byteLength === 0) return {};
  if (bytes.byteLength > 64 * 1024) throw new FraiseqlError('BAD_USER_INPUT', 'The action body is larger than 64 KiB.');
  try {
    const value: unknown = JSON.parse(Buffer.from(bytes).toString('utf8'));
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new FraiseqlError('BAD_USER_INPUT', 'The action body must be a JSON object.');
}

/** Runs one DoAction for `principal`: refresh, cancel (own streams only), schema-versions, list-datasets. */
export async function runFlightAction(
  deps: FlightServiceDeps,
  running: ReadonlyMap<string, RunningStream>,
  action: Action,
  principal: AuthenticatedCaller,
): Promise<FlightResult[]> {
  const body = actionBody(action);
  const json = (value: unknown): FlightResult[] => [{ body: Buffer.from(JSON.stringify(value)) }];
  switch (action.type) {
    case 'refresh':
      return refresh(deps, body, principal);
    case 'cancel': {
      const stream = typeof body.streamId === 'string' ? running.get(body.streamId) : undefined;
      if (!stream || stream.subject !== principal.subject) return json({ cancelled: false });
      stream.cancel();
      return json({ cancelled: true });
    }
    case 'schema-versions':
      return json(await deps.schemaVersions());
    case 'list-datasets': {
      const catalog = deps.catalog();
      // As ListFlights: only the datasets the caller may read, without the columns it is refused (ADR 0136).
      return json(
        [...catalog.datasets.values()]
          .filter((d) => holdsAnyRole(d.roles, principal.roles))
          .map((d) => ({
            name: d.name,
            kind: d.kind,
            description: d.description,
            tenantScoped: d.tenantScoped,
            refreshFrom: d.refreshFrom,
            columns: catalog.columns(d, undefined, principal),
          })),
      );
    }
    default:
      throw new FraiseqlError(
        'FRAISEQL_OPERATION_NOT_SUPPORTED',
        `Unknown action "${action.type ?? ''}": ListActions shows ${FLIGHT_ACTIONS.map((a) => a.type).join(', ')}.`,
      );
  }
}
