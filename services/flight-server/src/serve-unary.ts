import type { handleUnaryCall, ServerUnaryCall } from '@grpc/grpc-js';
import type { ServerSpan } from '@fraiseql/service-kit';
import type { FlightServiceDeps } from './flight-service-deps';
import { trackCall } from './flight-status';

/** A unary RPC whose handler only computes the response: timing, tracing, logging and the error status are shared. */
export function serveUnary<Req, Res>(
  deps: FlightServiceDeps,
  rpc: string,
  handle: (call: ServerUnaryCall<Req, Res>, span: ServerSpan) => Promise<Res>,
): handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const tracked = trackCall(deps, rpc, call.metadata);
    tracked.span
      .run(() => handle(call, tracked.span))
      .then(
        (response) => {
          tracked.succeeded();
          callback(null, response);
        },
        (error: unknown) => tracked.failed(callback, error),
      );
  };
}
