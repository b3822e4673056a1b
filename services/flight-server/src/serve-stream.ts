import type { handleServerStreamingCall, ServerWritableStream } from '@grpc/grpc-js';
import { drained } from './drained';
import type { ServerSpan } from '@fraiseql/service-kit';
import type { FlightServiceDeps } from './flight-service-deps';
import { trackCall } from './flight-status';

/** A server-streaming RPC whose handler only produces the messages: backpressure, timing, tracing and the error status are shared. */
export function serveStream<Req, Res>(
  deps: FlightServiceDeps,
  rpc: string,
  produce: (call: ServerWritableStream<Req, Res>, span: ServerSpan) => Promise<Res[] | AsyncIterable<Res>>,
): handleServerStreamingCall<Req, Res> {
  return (call) => {
    const tracked = trackCall(deps, rpc, call.metadata);
    void tracked.span.run(async () => {
      try {
        const out = await produce(call, tracked.span);
        for await (const item of out as AsyncIterable<Res>) {
          if (call.cancelled) break;
          if (!call.write(item)) await drained(call);
        }
        call.end();
        tracked.succeeded();
      } catch (error) {
        tracked.failed(call, error);
      }
    });
  };
}
