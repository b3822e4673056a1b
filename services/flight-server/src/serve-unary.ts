import type { handleUnaryCall, ServerUnaryCall } from '@grpc/grpc-js';
import type { FlightServiceDeps } from './flight-service-deps';
import { trackCall } from './flight-status';

/** A unary RPC whose handler only computes the response: timing, logging and the error status are shared. */
export function serveUnary<Req, Res>(
  deps: FlightServiceDeps,
  rpc: string,
  handle: (call: ServerUnaryCall<Req, Res>) => Promise<Res>,
): handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const tracked = trackCall(deps, rpc);
    handle(call).then(
      (response) => {
        tracked.succeeded();
        callback(null, response);
      },
      (error: unknown) => tracked.failed(callback, error),
    );
  };
}
