import { headers as natsHeaders, type Msg, type MsgHdrs } from 'nats';
import { HEADERS } from './names';

/**
 * The executor liveness protocol of `fraiseql.v1.query` (docs/adr/0060-gateway-passthrough.md):
 * the requester asks for heartbeats with `Fraiseql-Heartbeat-Ms: <n>`; an executor whose work
 * is still running after n ms sends, every n ms until its final reply, a heartbeat: an empty
 * message on the reply subject with `Fraiseql-Status: 102` (HTTP "Processing"). A final reply
 * always has a body and a status of 200..599, so the two can never be confused.
 */
export const HEARTBEAT_STATUS = 102;

/** The shortest interval an executor honours, so that no requester can make it flood the bus. */
export const MIN_HEARTBEAT_INTERVAL_MS = 100;
/** The longest interval an executor honours (timers overflow beyond ~24.8 days and fire at once). */
export const MAX_HEARTBEAT_INTERVAL_MS = 3_600_000;

const HEARTBEAT_STATUS_TEXT = String(HEARTBEAT_STATUS);

/** Asks the executor for a heartbeat every `intervalMs` while the request runs. */
export function writeHeartbeatRequest(headers: MsgHdrs, intervalMs: number): void {
  headers.set(HEADERS.heartbeatMs, String(intervalMs));
}

/**
 * The heartbeat interval a request asks for, clamped to [MIN, MAX]_HEARTBEAT_INTERVAL_MS;
 * undefined when it asks for none or the header is malformed: such a request is served as
 * an old gateway's would be (final reply only), never refused.
 */
export function readHeartbeatRequest(headers: MsgHdrs | undefined): number | undefined {
  const raw = headers?.get(HEADERS.heartbeatMs);
  if (!raw || !/^\d{1,16}$/.test(raw)) return undefined;
  const ms = Number(raw);
  if (ms === 0) return undefined;
  return Math.min(MAX_HEARTBEAT_INTERVAL_MS, Math.max(MIN_HEARTBEAT_INTERVAL_MS, ms));
}

/** The headers of one heartbeat message (its body is empty). */
export function heartbeatHeaders(): MsgHdrs {
  const headers = natsHeaders();
  headers.set(HEADERS.status, HEARTBEAT_STATUS_TEXT);
  return headers;
}

/** Whether a message on a reply subject is a heartbeat rather than the final reply. */
export function isHeartbeat(msg: Pick<Msg, 'data' | 'headers'>): boolean {
  return msg.data.length === 0 && msg.headers?.get(HEADERS.status) === HEARTBEAT_STATUS_TEXT;
}
