import { ERROR_CODES, type ErrorCode } from '@fraiseql/errors';
import { headers as natsHeaders, type Msg, type MsgHdrs } from 'nats';
import { HEADERS } from './names';

/**
 * The final reply to a `fraiseql.v1.query` / `.mutation` request (query-executor → gateway): the
 * GraphQL response body exactly as the executor wrote it (the gateway passes it through unparsed,
 * docs/adr/0060-gateway-passthrough.md), the HTTP status it maps to under
 * application/graphql-response+json, and the schema hash it was planned with. Heartbeats on the
 * same reply subject are defined in executor-heartbeat.ts.
 */
export interface OperationReply<Body = Uint8Array> {
  body: Body;
  /** 200..599. */
  status: number;
  /** Hash of the compiled schema the executor planned with; absent when it had none. */
  schemaHash?: string;
  /** The code of the first error in the body (docs/errors.md), when there is one. */
  errorCode?: ErrorCode;
}

export function encodeOperationReply(reply: OperationReply<string | Uint8Array>): { data: string | Uint8Array; headers: MsgHdrs } {
  const headers = natsHeaders();
  headers.set(HEADERS.status, String(reply.status));
  if (reply.schemaHash) headers.set(HEADERS.schemaHash, reply.schemaHash);
  if (reply.errorCode) headers.set(HEADERS.errorCode, reply.errorCode);
  return { data: reply.body, headers };
}

/**
 * A missing or out-of-range status reads as 200: the body still carries the errors, if any. An
 * error code that is not in the table is left out (the body's own `extensions.code` still says it).
 */
export function decodeOperationReply(msg: Pick<Msg, 'data' | 'headers'>): OperationReply<Buffer> {
  const status = Number(msg.headers?.get(HEADERS.status));
  const schemaHash = msg.headers?.get(HEADERS.schemaHash);
  const errorCode = msg.headers?.get(HEADERS.errorCode);
  return {
    body: Buffer.from(msg.data),
    status: Number.isInteger(status) && status >= 200 && status < 600 ? status : 200,
    ...(schemaHash ? { schemaHash } : {}),
    ...(errorCode && Object.hasOwn(ERROR_CODES, errorCode) ? { errorCode: errorCode as ErrorCode } : {}),
  };
}
