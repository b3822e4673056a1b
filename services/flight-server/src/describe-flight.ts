import type { FlightDescriptor, FlightInfo } from '@fraiseql/flight';
import type { AuthenticatedCaller } from '@fraiseql/identity';
import { describeDataset } from './describe-dataset';
import { readDescriptor } from './flight-request';
import type { FlightServiceDeps } from './flight-service-deps';
import { protobufTimestamp } from './protobuf-timestamp';
import { schemaMessage } from './schema-message';

/** The FlightInfo of a descriptor: its schema, row estimate, and one endpoint per ticket issued to `principal`. */
export async function describeFlight(
  deps: FlightServiceDeps,
  descriptor: FlightDescriptor,
  principal: AuthenticatedCaller,
): Promise<FlightInfo> {
  const catalog = deps.catalog();
  const request = readDescriptor(descriptor, catalog, deps.analytics, principal);
  const described = await describeDataset(deps, request, catalog, principal, true);
  const expiresAt = protobufTimestamp(Date.now() + deps.settings.ticketTtlMs);
  return {
    schema: schemaMessage(described.schema),
    flightDescriptor: descriptor,
    endpoint: described.tickets.map((ticket) => ({
      ticket: { ticket },
      location: deps.settings.publicLocation ? [{ uri: deps.settings.publicLocation }] : [],
      expirationTime: expiresAt,
    })),
    totalRecords: described.estimate,
    totalBytes: -1,
    ordered: described.ordered,
  };
}
