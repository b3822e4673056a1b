import type { handleServerStreamingCall } from '@grpc/grpc-js';
import { ENTITY_EVENT_ARROW_SCHEMA } from '@fraiseql/events';
import type { Criteria, FlightInfo } from '@fraiseql/flight';
import { toFraiseqlError } from '@fraiseql/errors';
import type { AuthenticatedCaller } from '@fraiseql/identity';
import { holdsAnyRole } from '@fraiseql/schema';
import { datasetSchema } from './flight-catalog';
import type { FlightServiceDeps } from './flight-service-deps';
import { schemaMessage } from './schema-message';
import { serveStream } from './serve-stream';

/** How long ListFlights waits for an analytics schema ClickHouse has not given yet; past it the entry has none. */
const ANALYTICS_SCHEMA_WAIT_MS = 3000;

/**
 * ListFlights: the datasets, list queries, analytics datasets and event histories the caller may read, without tickets.
 * What a read rule denies it (docs/adr/0136-authorization-in-the-plan.md) is not listed; a dataset's schema is as the caller
 * reads it (refused columns left out).
 */
export function createListFlights(deps: FlightServiceDeps): handleServerStreamingCall<Criteria, FlightInfo> {
  return serveStream<Criteria, FlightInfo>(deps, 'ListFlights', async (call) =>
    listFlights(deps, await deps.auth.principal(call.metadata, call.getPeer())),
  );
}

async function* listFlights(deps: FlightServiceDeps, principal: AuthenticatedCaller): AsyncGenerator<FlightInfo> {
  const catalog = deps.catalog();
  for (const dataset of catalog.datasets.values()) {
    if (dataset.tenantScoped && principal.orgId === null) continue;
    if (!holdsAnyRole(dataset.roles, principal.roles)) continue;
    yield {
      schema: schemaMessage(datasetSchema(dataset, catalog.columns(dataset, undefined, principal))),
      flightDescriptor: { type: 1, path: [dataset.name] },
      endpoint: [],
      totalRecords: -1,
      totalBytes: -1,
      appMetadata: Buffer.from(
        JSON.stringify({ kind: dataset.kind, description: dataset.description ?? null, refreshFrom: dataset.refreshFrom ?? null }),
      ),
    };
  }
  for (const query of catalog.listQueries.values()) {
    if (!holdsAnyRole(query.roles, principal.roles) || !catalog.mayReadEntity(query.type, principal)) continue;
    yield {
      flightDescriptor: { type: 1, path: ['query', query.name] },
      endpoint: [],
      totalRecords: -1,
      totalBytes: -1,
      appMetadata: Buffer.from(JSON.stringify({ kind: 'query', entityType: query.type, description: query.description ?? null })),
    };
  }
  yield* listAnalytics(deps, principal);
  if (principal.orgId !== null) {
    for (const entityType of catalog.eventEntities) {
      if (!catalog.mayReadEntity(entityType, principal)) continue;
      yield {
        schema: schemaMessage(ENTITY_EVENT_ARROW_SCHEMA),
        flightDescriptor: { type: 1, path: ['events', entityType] },
        endpoint: [],
        totalRecords: -1,
        totalBytes: -1,
        appMetadata: Buffer.from(JSON.stringify({ kind: 'events', entityType })),
      };
    }
  }
}

/**
 * The analytics datasets, each with its schema as ClickHouse gives it. Listed even when no analytics source
 * answers (or not in time): then without a schema, and appMetadata says why.
 */
async function* listAnalytics(deps: FlightServiceDeps, principal: AuthenticatedCaller): AsyncGenerator<FlightInfo> {
  const { analytics } = deps;
  const catalog = deps.catalog();
  // Only those no read rule denies the caller any part of (ADR 0136).
  const names = analytics.names.filter((name) => catalog.analyticsDenials(name, principal).length === 0);
  const schemas = await Promise.all(names.map((name) => within(analytics.schemaMessage(name, principal), ANALYTICS_SCHEMA_WAIT_MS)));
  for (const [i, name] of names.entries()) {
    const schema = schemas[i]!;
    yield {
      ...(schema instanceof Uint8Array ? { schema } : {}),
      flightDescriptor: { type: 1, path: ['analytics', name] },
      endpoint: [],
      totalRecords: -1,
      totalBytes: -1,
      appMetadata: Buffer.from(
        JSON.stringify({
          kind: 'analytics',
          description: analytics.description(name),
          source: analytics.source.kind,
          options: ['from', 'to', 'limit'],
          ...(schema instanceof Uint8Array ? {} : { unavailable: schema }),
        }),
      ),
    };
  }
}

/** The schema, or the error code that kept it (FRAISEQL_TIMEOUT past `ms`). */
async function within(message: Promise<Uint8Array>, ms: number): Promise<Uint8Array | string> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve('FRAISEQL_TIMEOUT'), ms);
  });
  try {
    return await Promise.race([message.catch((error: unknown) => toFraiseqlError(error).code as string), late]);
  } finally {
    clearTimeout(timer);
  }
}
