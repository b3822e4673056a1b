import type { handleUnaryCall } from '@grpc/grpc-js';
import type { FlightDescriptor, FlightInfo } from '@fraiseql/flight';
import { describeFlight } from './describe-flight';
import type { FlightServiceDeps } from './flight-service-deps';
import { serveUnary } from './serve-unary';

/** GetFlightInfo: plans a descriptor and issues its tickets. */
export function createGetFlightInfo(deps: FlightServiceDeps): handleUnaryCall<FlightDescriptor, FlightInfo> {
  return serveUnary<FlightDescriptor, FlightInfo>(deps, 'GetFlightInfo', async (call) =>
    describeFlight(deps, call.request, await deps.auth.principal(call.metadata, call.getPeer())),
  );
}
