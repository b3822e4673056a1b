import type { ReadinessCheck } from './start-ops-server';

/** What the readiness check needs of a NATS connection (nats.js NatsConnection has it). */
export interface NatsConnectionProbe {
  isClosed(): boolean;
  flush(): Promise<void>;
}

/**
 * The one NATS readiness check of every service: the connection is open and the server answers
 * a round trip (PING/PONG) within the ops server's check timeout. A connection that is only
 * reconnecting fails it, so the pod leaves the load balancer until the bus is back.
 */
export function natsReadiness(nc: NatsConnectionProbe): ReadinessCheck {
  return async () => {
    if (nc.isClosed()) throw new Error('the NATS connection is closed');
    await nc.flush();
  };
}
