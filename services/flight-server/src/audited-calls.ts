import type { Metadata } from '@grpc/grpc-js';
import { credentialFailureEntry, credentialKind, type AuditLog } from '@fraiseql/audit';
import { peerAddress, type FlightCallers } from './rate-limited-calls';

/**
 * Every credential a Flight call or Handshake presents and libs/auth refuses (FRAISEQL_UNAUTHENTICATED/FORBIDDEN) is
 * recorded in the audit log (docs/adr/0137-audit-log.md) with the peer's address, then refused as before.
 */
export function auditedCalls(auth: FlightCallers, audit: Pick<AuditLog, 'record'>): FlightCallers {
  const refused = (metadata: Metadata, peer: string | undefined, error: unknown): never => {
    const authorization = metadata.get('authorization')[0];
    const headers = {
      ...(typeof authorization === 'string' ? { authorization } : {}),
      ...(metadata.get('x-api-key').length > 0 ? { 'x-api-key': true } : {}),
    };
    const ip = peer === undefined ? null : peerAddress(peer);
    const entry = credentialFailureEntry(error, { ip, requestId: null, transport: 'flight', credential: credentialKind(headers) });
    if (entry) audit.record(entry);
    throw error;
  };
  return {
    principal: (metadata, peer) => auth.principal(metadata, peer).catch((error: unknown) => refused(metadata, peer, error)),
    handshake: (metadata, payload, peer) =>
      auth.handshake(metadata, payload, peer).catch((error: unknown) =>
        // A Handshake payload is a bearer token in the body: name it like one.
        refused(
          payload && payload.byteLength > 0 && metadata.get('authorization').length === 0 ? withBearer(metadata) : metadata,
          peer,
          error,
        ),
      ),
  };
}

function withBearer(metadata: Metadata): Metadata {
  const copy = metadata.clone();
  copy.set('authorization', 'Bearer (handshake payload)');
  return copy;
}
