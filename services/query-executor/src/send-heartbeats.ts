import { Empty, type Msg } from 'nats';
import type { Counter } from 'prom-client';
import { heartbeatHeaders } from '@fraiseql/nats-contract';

/**
 * Tells the requester of `msg`, every `intervalMs` until stopped, that this executor is still
 * working on it (docs/adr/0060-gateway-passthrough.md). A request answered within the first
 * interval sends no heartbeat at all. Returns the function that stops them; call it before
 * the final reply.
 */
export function sendHeartbeats(msg: Msg, intervalMs: number, sent: Counter): () => void {
  const timer = setInterval(() => {
    try {
      msg.respond(Empty, { headers: heartbeatHeaders() });
      sent.inc();
    } catch {
      // The connection is closed or draining: the final reply will fail the same way and be logged.
    }
  }, intervalMs);
  return () => clearInterval(timer);
}
