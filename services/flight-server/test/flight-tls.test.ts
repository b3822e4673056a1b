import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { FlightClient, type FlightClientOptions } from '@fraiseql/flight';
import { applyMigrations, FRAMEWORK_MIGRATIONS_DIR } from '@fraiseql/pg-migrations';
import {
  createTestDatabase,
  freePort,
  generateTestCertificates,
  startNatsServer,
  startServiceProcess,
  waitFor,
  type ServiceProcess,
  type TestCertificates,
  type TestDatabase,
  type TestNatsServer,
} from '@fraiseql/testkit';
import { ORG_A } from './fixtures/flight-stack';
import { prepareTypedDatasets, typedDatasetsSchema } from './fixtures/typed-datasets';

// The real flight-server (src/main.ts) as a process, over TLS and mTLS with certificates made by openssl for this
// run, reading PostgreSQL as fraiseql_flight with a password given through FRAISEQL_FLIGHT_DATABASE_URL_FILE.

jest.setTimeout(90_000);

const MAIN = join(__dirname, '../src/main.ts');
const DEV_CALLER = { 'x-fraiseql-dev-subject': 'dev-analyst', 'x-fraiseql-dev-org': ORG_A };
const VIEW = { type: 2, cmd: Buffer.from(JSON.stringify({ kind: 'view', view: 'ta_all_types', columns: ['id', 't'] })) };
const FLIGHT_PASSWORD = 'flight-role-password-3b8e1d';

describe('flight-server over TLS and mTLS (src/main.ts as a process, real PostgreSQL and NATS)', () => {
  let certs: TestCertificates;
  let db: TestDatabase;
  let nats: TestNatsServer;
  let dir: string;
  let flight: ServiceProcess | undefined;
  const clients: FlightClient[] = [];

  beforeAll(async () => {
    certs = generateTestCertificates();
    db = await createTestDatabase('fraiseql_flight_tls');
    await applyMigrations({ connectionString: db.url, directories: [FRAMEWORK_MIGRATIONS_DIR] });
    const admin = new Pool({ connectionString: db.url, max: 1 });
    await prepareTypedDatasets(admin);
    await admin.query('SELECT fraiseql.grant_flight_access()');
    await admin.end();
    nats = await startNatsServer();
    dir = mkdtempSync(join(tmpdir(), 'fraiseql-flight-tls-'));
    writeFileSync(join(dir, 'schema.compiled.json'), JSON.stringify(typedDatasetsSchema()));
    const url = new URL(db.url);
    url.username = 'fraiseql_flight';
    url.password = FLIGHT_PASSWORD;
    writeFileSync(join(dir, 'database-url'), `${url.toString()}\n`);
  }, 60_000);

  afterAll(async () => {
    await nats?.dispose();
    await db?.drop();
    certs?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    if (flight && flight.child.exitCode === null) {
      flight.child.kill('SIGTERM');
      await flight.exited;
    }
    flight = undefined;
  });

  async function startFlight(extra: Record<string, string>): Promise<number> {
    const [port, opsPort] = [await freePort(), await freePort()];
    flight = startServiceProcess(MAIN, {
      FRAISEQL_ENV: 'development',
      FRAISEQL_FLIGHT_PORT: String(port),
      FRAISEQL_FLIGHT_OPS_PORT: String(opsPort),
      FRAISEQL_FLIGHT_DATABASE_URL_FILE: join(dir, 'database-url'),
      FRAISEQL_NATS_URL: nats.url,
      FRAISEQL_SCHEMA_SOURCE: join(dir, 'schema.compiled.json'),
      FRAISEQL_DEV_AUTH: '1',
      FRAISEQL_AUTH_API_KEYS: 'false',
      FRAISEQL_FLIGHT_TLS_CERT_FILE: certs.server.certFile,
      FRAISEQL_FLIGHT_TLS_KEY_FILE: certs.server.keyFile,
      ...extra,
    });
    const started = flight;
    await Promise.race([
      waitFor(
        async () =>
          (await fetch(`http://127.0.0.1:${opsPort}/readyz`).then(
            (r) => r.status,
            () => 0,
          )) === 200,
        30_000,
      ),
      started.exited.then((code) => {
        throw new Error(`flight-server exited ${code}: ${started.stderr()}`);
      }),
    ]);
    return port;
  }

  const client = (port: number, options: FlightClientOptions): FlightClient => {
    const c = new FlightClient(`127.0.0.1:${port}`, { headers: DEV_CALLER, ...options });
    clients.push(c);
    return c;
  };

  /** GetFlightInfo then DoGet: the rows of ta_all_types, as the server streamed them. */
  const streamRows = async (c: FlightClient): Promise<unknown[]> => {
    const info = await c.getFlightInfo(VIEW, { deadline: Date.now() + 10_000 });
    const table = await c.doGetTable(info.endpoint![0]!.ticket!.ticket!);
    return table.toArray().map((row) => row.toJSON().id);
  };
  // No channel: grpc-js reports UNAVAILABLE, with no FraiseQL trailer (the call never reached the server's handlers).
  const refused = { details: { grpcStatusName: 'UNAVAILABLE' } };

  it('streams real rows over TLS to a client trusting the CA; a plaintext client and one trusting another CA get nothing', async () => {
    const port = await startFlight({});
    const ids = await streamRows(client(port, { tls: { ca: certs.ca.cert, serverName: 'localhost' } }));
    expect(ids).toHaveLength(4);

    await expect(streamRows(client(port, {}))).rejects.toMatchObject(refused);
    await expect(streamRows(client(port, { tls: { ca: certs.foreignCa.cert, serverName: 'localhost' } }))).rejects.toMatchObject(refused);
    // The role's password came from a *_FILE and is in no line the server wrote.
    expect(flight!.stdout() + flight!.stderr()).not.toContain(FLIGHT_PASSWORD);
  });

  it('with FRAISEQL_FLIGHT_TLS_CLIENT_CA_FILE refuses at the handshake a client without a certificate or with a foreign one, and streams to the good one', async () => {
    const port = await startFlight({ FRAISEQL_FLIGHT_TLS_CLIENT_CA_FILE: certs.ca.certFile });
    const tls = { ca: certs.ca.cert, serverName: 'localhost' };

    await expect(streamRows(client(port, { tls }))).rejects.toMatchObject(refused);
    await expect(
      streamRows(client(port, { tls: { ...tls, cert: certs.foreignClient.cert, key: certs.foreignClient.key } })),
    ).rejects.toMatchObject(refused);

    const ids = await streamRows(client(port, { tls: { ...tls, cert: certs.client.cert, key: certs.client.key } }));
    expect(ids).toHaveLength(4);
  });
});
