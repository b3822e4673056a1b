import type { handleUnaryCall } from '@grpc/grpc-js';
import type { FlightDescriptor, SchemaResult } from '@fraiseql/flight';
import { describeDataset } from './describe-dataset';
import { readDescriptor } from './flight-request';
import type { FlightServiceDeps } from './flight-service-deps';
import { schemaMessage } from './schema-message';
import { serveUnary } from './serve-unary';

/** GetSchema: a descriptor's Arrow schema, without issuing tickets. */
export function createGetSchema(deps: FlightServiceDeps): handleUnaryCall<FlightDescriptor, SchemaResult> {
  return serveUnary<FlightDescriptor, SchemaResult>(deps, 'GetSchema', async (call) => {
    const principal = await deps.auth.principal(call.metadata, call.getPeer());
    const catalog = deps.catalog();
    const described = await describeDataset(
      deps,
      readDescriptor(call.request, catalog, deps.analytics, principal),
      catalog,
      principal,
      false,
    );
    return { schema: schemaMessage(described.schema) };
  });
}
