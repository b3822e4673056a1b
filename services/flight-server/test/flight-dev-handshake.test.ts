import { FlightClient } from '@fraiseql/flight';
import { ORG_A, startFlightStack, type FlightStack } from './fixtures/flight-stack';
import { prepareTypedDatasets, typedDatasetsSchema } from './fixtures/typed-datasets';

// `npm start` runs the flight-server with FRAISEQL_DEV_AUTH=1 (docs/flight.md, "Connecting and authenticating"): a
// Handshake with an empty payload and the development metadata returns a session token for that caller.

describe('Handshake with development headers (FRAISEQL_DEV_AUTH=1, real gRPC)', () => {
  let stack: FlightStack;
  beforeAll(async () => {
    stack = await startFlightStack({ compiled: typedDatasetsSchema(), prepare: prepareTypedDatasets, devAuth: true });
  }, 60_000);
  afterAll(() => stack?.close());

  it('returns a session token that alone names the caller on later calls', async () => {
    const dev = new FlightClient(stack.server.address, { headers: { 'x-fraiseql-dev-subject': 'alice', 'x-fraiseql-dev-org': ORG_A } });
    const session = await dev.handshake();
    dev.close();
    expect(session.split('.')).toHaveLength(3);
    const bySession = new FlightClient(stack.server.address, { token: session });
    try {
      const info = await bySession.getFlightInfo({
        type: 2,
        cmd: Buffer.from(JSON.stringify({ kind: 'view', view: 'ta_all_types', columns: ['id'] })),
      });
      expect((await bySession.doGetTable(info.endpoint![0]!.ticket!.ticket!)).numRows).toBeGreaterThan(0);
    } finally {
      bySession.close();
    }
    const anonymous = new FlightClient(stack.server.address);
    await expect(anonymous.handshake()).rejects.toMatchObject({ code: 'FRAISEQL_UNAUTHENTICATED' });
    anonymous.close();
  });
});
