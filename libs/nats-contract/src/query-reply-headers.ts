import type { MsgHdrs } from 'nats';
import { HEADERS } from './names';

/** What the query-executor tells the gateway next to a reply body. */
export interface QueryReplyMeta {
  /** The HTTP status the reply maps to under application/graphql-response+json. */
  status: number;
  /** Hash of the compiled schema the executor planned with; absent when it had none. */
  schemaHash?: string;
}

/** Writes the status (always) and the schema hash (when known) of a `fraiseql.v1.query` reply. */
export function writeQueryReplyHeaders(headers: MsgHdrs, meta: QueryReplyMeta): void {
  headers.set(HEADERS.status, String(meta.status));
  if (meta.schemaHash) headers.set(HEADERS.schemaHash, meta.schemaHash);
}

/**
 * Reads the status and schema hash of a `fraiseql.v1.query` reply. A missing or
 * out-of-range status reads as 200: the body still carries the errors, if any.
 */
export function readQueryReplyHeaders(headers: MsgHdrs | undefined): QueryReplyMeta {
  const status = Number(headers?.get(HEADERS.status));
  const schemaHash = headers?.get(HEADERS.schemaHash);
  return {
    status: Number.isInteger(status) && status >= 200 && status < 600 ? status : 200,
    ...(schemaHash ? { schemaHash } : {}),
  };
}
