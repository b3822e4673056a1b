import type { Metadata } from '@grpc/grpc-js';
import { credentialFailureEntry, credentialKind, type AuditLog } from '@fraiseql/audit';
import type { FlightCallers } from './rate-limited-calls';

/**
 * Every credential a Flight call or Handshake presents and libs/auth refuses (FRAISEQL_UNAUTHENTICATED/FORBIDDEN) is
 * recorded in the audit log (docs/adr/0137-audit-log.md), then refused as before. gRPC metadata does not carry the peer
 * address, so these entries have no ip.
 */
export function auditedCalls(auth: FlightCallers, audit: Pick<AuditLog, 'record'>): FlightCallers {
  const refused = (metadata: Metadata, error: unknown): never => {
    const authorization = metadata.get('authorization')[0];
    const headers = {
      ...(typeof authorization === 'string' ? { authorization } : {}),
      ...(metadata.get('x-api-key').length > 0 ? { 'x-api-key': true } : {}),
    };
    const entry = credentialFailureEntry(error, { ip: null, requestId: null, transport: 'flight', credential: credentialKind(headers) });
    if (entry) audit.record(entry);
    throw error;
  };
  return {
    principal: (metadata) => auth.principal(metadata).catch((error: unknown) => refused(metadata, error)),
    handshake: (metadata, payload) =>
      auth.handshake(metadata, payload).catch((error: unknown) =>
        // A Handshake payload is a bearer token in the body: name it like one.
        refused(payload && payload.byteLength > 0 && metadata.get('authorization').length === 0 ? withBearer(metadata) : metadata, error),
      ),
  };
}

function withBearer(metadata: Metadata): Metadata {
  const copy = metadata.clone();
  copy.set('authorization', 'Bearer (handshake payload)');
  return copy;
}
