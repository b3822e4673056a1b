import type { handleUnaryCall } from '@grpc/grpc-js';
import type { FlightDescriptor, PollInfo } from '@fraiseql/flight';
import { describeFlight } from './describe-flight';
import type { FlightServiceDeps } from './flight-service-deps';
import { protobufTimestamp } from './protobuf-timestamp';
import { serveUnary } from './serve-unary';

/** PollFlightInfo: every dataset is planned at once, so the first poll is the complete answer (no flight_descriptor to poll again). */
export function createPollFlightInfo(deps: FlightServiceDeps): handleUnaryCall<FlightDescriptor, PollInfo> {
  return serveUnary<FlightDescriptor, PollInfo>(deps, 'PollFlightInfo', async (call) => {
    const info = await describeFlight(deps, call.request, await deps.auth.principal(call.metadata, call.getPeer()));
    return { info, progress: 1, expirationTime: protobufTimestamp(Date.now() + deps.settings.ticketTtlMs) };
  });
}
