import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { decodeEntityEvent } from '@fraiseql/events';
import { FlightClient } from '@fraiseql/flight';
import { provisionJetStream, STREAMS } from '@fraiseql/nats-contract';
import type { CompiledSchema } from '@fraiseql/schema';
import { waitFor } from '@fraiseql/testkit';
import { startFlightStack, type FlightStack } from './fixtures/flight-stack';

// Refused Flight credentials reach the audit log (docs/adr/0137-audit-log.md): one credential_failure entry on
// fraiseql.v1.audit._ per refused call or Handshake, with the code and never the token.

const SHOP_SCHEMA = join(__dirname, '../../../examples/shop/schema.compiled.json');
const BAD_TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJtYWxsb3J5In0.bm90LWEtc2lnbmF0dXJl';

describe('flight-server audit of refused credentials (real NATS JetStream)', () => {
  let stack: FlightStack;
  let nc: NatsConnection;
  const clients: FlightClient[] = [];

  beforeAll(async () => {
    stack = await startFlightStack({
      compiled: JSON.parse(readFileSync(SHOP_SCHEMA, 'utf8')) as CompiledSchema,
      prepare: async () => undefined,
    });
    nc = await connect({ servers: stack.nats.url });
    await provisionJetStream(nc);
  }, 120_000);
  afterAll(async () => {
    for (const client of clients) client.close();
    await nc?.close();
    await stack?.close();
  });

  async function entries() {
    const jsm = await nc.jetstreamManager();
    const { first_seq: first, last_seq: last, messages } = (await jsm.streams.info(STREAMS.audit)).state;
    const out = [];
    for (let seq = first; messages > 0 && seq <= last; seq++) {
      const message = await jsm.streams.getMessage(STREAMS.audit, { seq });
      out.push({ subject: message.subject, text: Buffer.from(message.data).toString(), event: decodeEntityEvent(message.data) });
    }
    return out;
  }

  it('records a call and a Handshake with a bad token as credential failures without an org or actor', async () => {
    const client = new FlightClient(stack.server.address, { token: BAD_TOKEN });
    clients.push(client);
    await expect(client.getFlightInfo({ type: 1, path: ['va_order'] })).rejects.toMatchObject({ code: 'FRAISEQL_UNAUTHENTICATED' });
    const anonymous = new FlightClient(stack.server.address, {});
    clients.push(anonymous);
    await expect(anonymous.handshake(BAD_TOKEN)).rejects.toMatchObject({ code: 'FRAISEQL_UNAUTHENTICATED' });

    await waitFor(async () => (await entries()).length === 2, 10_000);
    const stored = await entries();
    expect(stored.map((m) => [m.subject, m.event.org_id, m.event.user_id])).toEqual([
      ['fraiseql.v1.audit._', null, null],
      ['fraiseql.v1.audit._', null, null],
    ]);
    for (const { event, text } of stored) {
      expect(event.data).toMatchObject({
        kind: 'credential_failure',
        action: 'CREDENTIAL_REFUSED',
        outcome: 'refused',
        actor: null,
        source: 'flight-server',
        code: 'FRAISEQL_UNAUTHENTICATED',
        details: { transport: 'flight', scheme: 'bearer' },
      });
      // The client's address, from the gRPC peer (without its port).
      expect(['127.0.0.1', '::1', '::ffff:127.0.0.1']).toContain(event.data.ip);
      expect(text).not.toContain(BAD_TOKEN);
    }
  });
});
