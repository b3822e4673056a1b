import type { handleServerStreamingCall } from '@grpc/grpc-js';
import type { Action, FlightResult } from '@fraiseql/flight';
import { runFlightAction } from './flight-actions';
import type { FlightServiceDeps, RunningStream } from './flight-service-deps';
import { serveStream } from './serve-stream';

/** DoAction: one of FLIGHT_ACTIONS; `running` is what the cancel action may reach. */
export function createDoAction(
  deps: FlightServiceDeps,
  running: ReadonlyMap<string, RunningStream>,
): handleServerStreamingCall<Action, FlightResult> {
  return serveStream<Action, FlightResult>(deps, 'DoAction', async (call) =>
    runFlightAction(deps, running, call.request, await deps.auth.principal(call.metadata, call.getPeer())),
  );
}
