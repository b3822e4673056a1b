import { Metadata, type handleBidiStreamingCall } from '@grpc/grpc-js';
import type { HandshakeRequest, HandshakeResponse } from '@fraiseql/flight';
import type { FlightServiceDeps } from './flight-service-deps';
import { trackCall } from './flight-status';

/** Handshake: the caller's JWT (first payload or authorization header) in, a session token out as a bearer header and as the payload. */
export function createHandshake(deps: FlightServiceDeps): handleBidiStreamingCall<HandshakeRequest, HandshakeResponse> {
  return (call) => {
    const tracked = trackCall(deps, 'Handshake', call.metadata);
    void tracked.span.run(async () => {
      try {
        const messages = call.iterator({ destroyOnReturn: false }) as AsyncIterableIterator<HandshakeRequest>;
        const first = await messages.next();
        const { session } = await deps.auth.handshake(
          call.metadata,
          first.done ? undefined : (first.value.payload ?? undefined),
          call.getPeer(),
        );
        const header = new Metadata();
        header.set('authorization', `Bearer ${session.token}`);
        call.sendMetadata(header);
        call.write({ protocolVersion: 0, payload: Buffer.from(session.token, 'utf8') });
        call.end();
        tracked.succeeded();
      } catch (error) {
        tracked.failed(call, error);
      }
    });
  };
}
