import { FraiseqlError } from '@fraiseql/errors';
import { connect, type NatsConnection } from 'nats';

/** Connects a command to NATS; a server that cannot be reached is FRAISEQL_NATS_UNAVAILABLE (a clear line, not a stack). */
export async function connectNats(url: string, name: string): Promise<NatsConnection> {
  try {
    return await connect({ servers: url, name, timeout: 5000 });
  } catch (error) {
    throw new FraiseqlError('FRAISEQL_NATS_UNAVAILABLE', `cannot reach NATS at ${url}: ${(error as Error).message}`, { cause: error });
  }
}
