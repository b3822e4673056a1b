import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import { createDoAction } from './do-action';
import { doExchange } from './do-exchange';
import { createDoGet } from './do-get';
import { createDoPut } from './do-put';
import type { FlightServiceDeps, RunningStream } from './flight-service-deps';
import { createGetFlightInfo } from './get-flight-info';
import { createGetSchema } from './get-schema';
import { createHandshake } from './handshake';
import { createListActions } from './list-actions';
import { createListFlights } from './list-flights';
import { createPollFlightInfo } from './poll-flight-info';

/**
 * The FlightService handlers. Every RPC authenticates first (session token or JWT), every
 * failure leaves through TrackedCall.failed (flight-status.ts) as a gRPC status with the stable
 * code in the `fraiseql-error-code` trailer, and every stream holds a slot of StreamSlots until it ends.
 */
export function createFlightServiceImpl(deps: FlightServiceDeps): UntypedServiceImplementation {
  // Shared by DoGet (which registers its streams) and DoAction (whose cancel action ends them).
  const running = new Map<string, RunningStream>();
  return {
    Handshake: createHandshake(deps),
    ListFlights: createListFlights(deps),
    GetFlightInfo: createGetFlightInfo(deps),
    PollFlightInfo: createPollFlightInfo(deps),
    GetSchema: createGetSchema(deps),
    DoGet: createDoGet(deps, running),
    DoPut: createDoPut(deps),
    DoExchange: doExchange,
    DoAction: createDoAction(deps, running),
    ListActions: createListActions(deps),
  };
}
