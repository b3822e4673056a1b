import type { handleServerStreamingCall } from '@grpc/grpc-js';
import { ENTITY_EVENT_ARROW_SCHEMA } from '@fraiseql/events';
import type { Criteria, FlightInfo } from '@fraiseql/flight';
import type { AuthenticatedCaller } from '@fraiseql/identity';
import { datasetSchema } from './flight-catalog';
import type { FlightServiceDeps } from './flight-service-deps';
import { schemaMessage } from './schema-message';
import { serveStream } from './serve-stream';

/** ListFlights: the datasets, list queries and event histories the caller may read, without tickets. */
export function createListFlights(deps: FlightServiceDeps): handleServerStreamingCall<Criteria, FlightInfo> {
  return serveStream<Criteria, FlightInfo>(deps, 'ListFlights', async (call) =>
    listFlights(deps, await deps.auth.principal(call.metadata)),
  );
}

async function* listFlights(deps: FlightServiceDeps, principal: AuthenticatedCaller): AsyncGenerator<FlightInfo> {
  const catalog = deps.catalog();
  for (const dataset of catalog.datasets.values()) {
    if (dataset.tenantScoped && principal.orgId === null) continue;
    yield {
      schema: schemaMessage(datasetSchema(dataset)),
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
    yield {
      flightDescriptor: { type: 1, path: ['query', query.name] },
      endpoint: [],
      totalRecords: -1,
      totalBytes: -1,
      appMetadata: Buffer.from(JSON.stringify({ kind: 'query', entityType: query.type, description: query.description ?? null })),
    };
  }
  if (principal.orgId !== null) {
    for (const entityType of catalog.eventEntities) {
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
