import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { FlightClient } from '@fraiseql/flight';
import { applyMigrations, FRAMEWORK_MIGRATIONS_DIR } from '@fraiseql/pg-migrations';
import { loadConfig } from '@fraiseql/service-kit';
import {
  createTestDatabase,
  freePort,
  startNatsServer,
  startServiceProcess,
  waitFor,
  type TestDatabase,
  type TestNatsServer,
} from '@fraiseql/testkit';
import { flightServerConfig } from '../src/config';
import { ORG_A } from './fixtures/flight-stack';
import { prepareTypedDatasets, typedDatasetsSchema } from './fixtures/typed-datasets';

const MAIN = join(__dirname, '../src/main.ts');

describe('flight-server configuration', () => {
  it('exits non-zero naming an unknown FRAISEQL_FLIGHT_* key, before connecting anywhere', async () => {
    const flight = startServiceProcess(MAIN, { FRAISEQL_FLIGHT_PROT: '8815', FRAISEQL_NATS_URL: 'nats://127.0.0.1:1' });
    expect(await flight.exited).toBe(1);
    expect(flight.stderr()).toContain('unknown key FRAISEQL_FLIGHT_PROT');
    expect(flight.stderr()).toContain('did you mean FRAISEQL_FLIGHT_PORT?');
  });

  it('requires a ticket secret in production and refuses development auth there', async () => {
    const noSecret = startServiceProcess(MAIN, { FRAISEQL_ENV: 'production', FRAISEQL_NATS_URL: 'nats://127.0.0.1:1' });
    expect(await noSecret.exited).toBe(1);
    expect(noSecret.stderr()).toContain('FRAISEQL_FLIGHT_TICKET_SECRET: required when FRAISEQL_ENV=production');
    const devAuth = startServiceProcess(MAIN, {
      FRAISEQL_ENV: 'production',
      FRAISEQL_DEV_AUTH: '1',
      FRAISEQL_FLIGHT_TICKET_SECRET: 'x'.repeat(32),
      FRAISEQL_NATS_URL: 'nats://127.0.0.1:1',
    });
    expect(await devAuth.exited).toBe(1);
    expect(devAuth.stderr()).toContain('FRAISEQL_DEV_AUTH');
  });

  it('validates its keys: short secrets, bad locations and zero limits are refused', () => {
    const load = (env: Record<string, string>) => loadConfig(flightServerConfig, { env });
    expect(load({}).FRAISEQL_FLIGHT_PORT).toBe(8815);
    expect(() => load({ FRAISEQL_FLIGHT_TICKET_SECRET: 'short' })).toThrow(/FRAISEQL_FLIGHT_TICKET_SECRET: must be at least 32 characters/);
    expect(() => load({ FRAISEQL_FLIGHT_PUBLIC_LOCATION: 'http://x' })).toThrow(/FRAISEQL_FLIGHT_PUBLIC_LOCATION/);
    expect(() => load({ FRAISEQL_FLIGHT_MAX_CONCURRENT_STREAMS: '0' })).toThrow(/FRAISEQL_FLIGHT_MAX_CONCURRENT_STREAMS/);
  });

  it('has no cursor secret: Flight serves no Relay cursors, so FRAISEQL_CURSOR_SECRET is not one of its keys', () => {
    const config = loadConfig(flightServerConfig, { env: { FRAISEQL_CURSOR_SECRET: 'a-cursor-secret-of-at-least-32-characters' } });
    expect(Object.keys(config)).not.toContain('FRAISEQL_CURSOR_SECRET');
    expect(Object.keys(config)).toContain('FRAISEQL_SCHEMA_SOURCE');
  });
});

describe('flight-server as a process (src/main.ts, real PostgreSQL role fraiseql_flight, NATS)', () => {
  let db: TestDatabase;
  let nats: TestNatsServer;
  let dir: string;

  beforeAll(async () => {
    db = await createTestDatabase('fraiseql_flight_main');
    await applyMigrations({ connectionString: db.url, directories: [FRAMEWORK_MIGRATIONS_DIR] });
    const admin = new Pool({ connectionString: db.url, max: 1 });
    await prepareTypedDatasets(admin);
    await admin.query('SELECT fraiseql.grant_flight_access()');
    await admin.end();
    nats = await startNatsServer();
    dir = mkdtempSync(join(tmpdir(), 'fraiseql-flight-main-'));
    writeFileSync(join(dir, 'schema.compiled.json'), JSON.stringify(typedDatasetsSchema()));
  }, 60_000);

  afterAll(async () => {
    await nats?.dispose();
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('starts, becomes ready, serves a dev-auth DoGet, and shuts down cleanly on SIGTERM', async () => {
    const [port, opsPort] = [await freePort(), await freePort()];
    const url = new URL(db.url);
    url.username = 'fraiseql_flight';
    const flight = startServiceProcess(MAIN, {
      FRAISEQL_ENV: 'development',
      FRAISEQL_FLIGHT_PORT: String(port),
      FRAISEQL_FLIGHT_OPS_PORT: String(opsPort),
      FRAISEQL_FLIGHT_DATABASE_URL: url.toString(),
      FRAISEQL_NATS_URL: nats.url,
      FRAISEQL_SCHEMA_SOURCE: join(dir, 'schema.compiled.json'),
      FRAISEQL_DEV_AUTH: '1',
    });
    try {
      await waitFor(
        async () =>
          (await fetch(`http://127.0.0.1:${opsPort}/readyz`).then(
            (r) => r.status,
            () => 0,
          )) === 200,
        30_000,
      );
      const client = new FlightClient(`127.0.0.1:${port}`, {
        headers: { 'x-fraiseql-dev-subject': 'dev-analyst', 'x-fraiseql-dev-org': ORG_A },
      });
      const info = await client.getFlightInfo({
        type: 2,
        cmd: Buffer.from(JSON.stringify({ kind: 'view', view: 'ta_all_types', columns: ['id', 't'] })),
      });
      const table = await client.doGetTable(info.endpoint![0]!.ticket!.ticket!);
      expect(table.numRows).toBe(4);
      client.close();
      const metrics = await (await fetch(`http://127.0.0.1:${opsPort}/metrics`)).text();
      expect(metrics).toMatch(/fraiseql_flight_rows_total\{[^}]*rpc="DoGet"[^}]*kind="view"[^}]*\} 4\n/);
      expect(metrics).toMatch(/fraiseql_flight_stream_limit\{[^}]*\} 8\n/);
      expect(flight.stdout()).toContain('FRAISEQL_FLIGHT_TICKET_SECRET is not set');
      flight.child.kill('SIGTERM');
      expect(await flight.exited).toBe(0);
    } finally {
      if (flight.child.exitCode === null) flight.child.kill('SIGKILL');
    }
  }, 60_000);
});
