import type { handleServerStreamingCall } from '@grpc/grpc-js';
import type { ActionType, Empty } from '@fraiseql/flight';
import { FLIGHT_ACTIONS } from './flight-actions';
import type { FlightServiceDeps } from './flight-service-deps';
import { serveStream } from './serve-stream';

/** ListActions: FLIGHT_ACTIONS, to authenticated callers only. */
export function createListActions(deps: FlightServiceDeps): handleServerStreamingCall<Empty, ActionType> {
  return serveStream<Empty, ActionType>(deps, 'ListActions', async (call) => {
    await deps.auth.principal(call.metadata, call.getPeer());
    return FLIGHT_ACTIONS;
  });
}
