// Runs every built service of the workspace side by side with prefixed logs, waits until each
// answers /readyz, then prints where everything is. Ctrl-C stops them all gracefully (SIGTERM).
// FRAISEQL_DATABASE_URL (set by npm start) gives query-executor its URL, and flight-server and
// job-runner (exports) their URL with the read-only role fraiseql_flight; FRAISEQL_*_DATABASE_URL set
// explicitly win. The dev inbox (libs/dev-inbox: an HTTP + SMTP catcher on 8025/1025) runs beside
// them, and observer-worker sends the demo shop's rules there, job-runner its email-batch jobs
// (FRAISEQL_OBSERVER_* / FRAISEQL_JOB_* set explicitly win). Exports go to .stack/exports, signed
// with a dev-only key shared by gateway and job-runner (FRAISEQL_EXPORT_* set explicitly win). The sink writes
// analytics into the embedded ClickHouse (chdb, installed by scripts/ensure-chdb.sh) under .stack/clickhouse unless
// FRAISEQL_CLICKHOUSE_URL names a server, and search into PostgreSQL full-text in FRAISEQL_DATABASE_URL's database.
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import concurrently from 'concurrently';
import pg from 'pg';

const root = new URL('..', import.meta.url).pathname;
const services = readdirSync(join(root, 'services'))
  .filter((name) => existsSync(join(root, 'services', name, 'dist', 'main.js')))
  .map((name) => {
    const manifest = JSON.parse(readFileSync(join(root, 'services', name, 'package.json'), 'utf8'));
    return { name, ...(manifest.fraiseql ?? {}) };
  });
if (services.length === 0) throw new Error('no built service found: run `npx tsc -b tsconfig.build.json` first');

/**
 * flight-server's URL: FRAISEQL_DATABASE_URL with the read-only role of migration 0004 as user.
 * The password is dropped (it is the admin's); loopback PostgreSQL trusts the role without one.
 */
function flightDatabaseUrl(adminUrl) {
  if (!adminUrl) return undefined;
  const url = new URL(adminUrl);
  if (url.searchParams.has('user')) url.searchParams.set('user', 'fraiseql_flight');
  if (url.host) {
    url.username = 'fraiseql_flight';
    url.password = '';
  }
  if (url.searchParams.has('password')) url.searchParams.delete('password');
  return url.toString();
}

/** Signs export download links; the gateway and the job-runner must share it. Development only: it is public. */
const DEV_EXPORT_SIGNING_KEY = 'dev-only-export-signing-key-NOT-A-SECRET-0123456789';
const devExportDirectory = join(root, '.stack', 'exports');

const env = {
  ...process.env,
  FRAISEQL_SCHEMA_SOURCE: process.env.FRAISEQL_SCHEMA_SOURCE ?? 'kv',
  FRAISEQL_QUERY_EXECUTOR_DATABASE_URL: process.env.FRAISEQL_QUERY_EXECUTOR_DATABASE_URL ?? process.env.FRAISEQL_DATABASE_URL,
  FRAISEQL_FLIGHT_DATABASE_URL: process.env.FRAISEQL_FLIGHT_DATABASE_URL ?? flightDatabaseUrl(process.env.FRAISEQL_DATABASE_URL),
  FRAISEQL_JOB_DATABASE_URL: process.env.FRAISEQL_JOB_DATABASE_URL ?? flightDatabaseUrl(process.env.FRAISEQL_DATABASE_URL),
  // PostgreSQL search: the admin role, which may create the sink's schema (fraiseql_search).
  FRAISEQL_SINK_DATABASE_URL: process.env.FRAISEQL_SINK_DATABASE_URL ?? process.env.FRAISEQL_DATABASE_URL,
  FRAISEQL_SINK_CLICKHOUSE_PATH: process.env.FRAISEQL_SINK_CLICKHOUSE_PATH ?? join(root, '.stack', 'clickhouse'),
  // Read by both the job-runner (writes export files, signs links) and the gateway (serves /v1/exports/<token>).
  FRAISEQL_EXPORT_STORE: process.env.FRAISEQL_EXPORT_STORE ?? `local:${devExportDirectory}`,
  FRAISEQL_EXPORT_SIGNING_KEY: process.env.FRAISEQL_EXPORT_SIGNING_KEY ?? DEV_EXPORT_SIGNING_KEY,
  FRAISEQL_DEV_AUTH: process.env.FRAISEQL_DEV_AUTH ?? '1',
  // The demo rules call the dev inbox on loopback, which the SSRF guard refuses unless allowed.
  FRAISEQL_OBSERVER_ALLOW_TARGETS: process.env.FRAISEQL_OBSERVER_ALLOW_TARGETS ?? '127.0.0.1',
  FRAISEQL_OBSERVER_SMTP_URL:
    process.env.FRAISEQL_OBSERVER_SMTP_URL ?? `smtp://127.0.0.1:${process.env.FRAISEQL_DEV_INBOX_SMTP_PORT ?? 1025}`,
  FRAISEQL_JOB_ALLOW_TARGETS: process.env.FRAISEQL_JOB_ALLOW_TARGETS ?? '127.0.0.1',
  FRAISEQL_JOB_SMTP_URL: process.env.FRAISEQL_JOB_SMTP_URL ?? `smtp://127.0.0.1:${process.env.FRAISEQL_DEV_INBOX_SMTP_PORT ?? 1025}`,
  FRAISEQL_LOG_PRETTY: process.env.FRAISEQL_LOG_PRETTY ?? (process.stdout.isTTY ? '1' : '0'),
};
delete env.FRAISEQL_DATABASE_URL;
if (env.FRAISEQL_EXPORT_STORE === `local:${devExportDirectory}`) mkdirSync(devExportDirectory, { recursive: true });
if (!env.FRAISEQL_CLICKHOUSE_URL) mkdirSync(env.FRAISEQL_SINK_CLICKHOUSE_PATH, { recursive: true });

/** flight-server and job-runner would only log their failed connections: say up front what to set. */
async function checkFlightRole(url) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    const shown = url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
    console.warn(
      `[run-fleet] flight-server and job-runner cannot log in as fraiseql_flight (${shown}): ${error.message}\n` +
        '[run-fleet] The role comes from migration 0004. If your PostgreSQL asks for a password: ' +
        "ALTER ROLE fraiseql_flight PASSWORD '...'; then set FRAISEQL_FLIGHT_DATABASE_URL and FRAISEQL_JOB_DATABASE_URL.",
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}
if (env.FRAISEQL_FLIGHT_DATABASE_URL && services.some((s) => s.name === 'flight-server')) {
  await checkFlightRole(env.FRAISEQL_FLIGHT_DATABASE_URL);
} else if (env.FRAISEQL_JOB_DATABASE_URL && services.some((s) => s.name === 'job-runner')) {
  await checkFlightRole(env.FRAISEQL_JOB_DATABASE_URL);
}

/** Node flags a service starts with, as the chart and kustomize start it: the flight-server's 128 MiB initial heap (ADR 0143). */
function nodeFlags(service) {
  return service === 'flight-server' ? '--initial-heap-size=128 ' : '';
}

const inboxBin = join(root, 'libs', 'dev-inbox', 'bin', 'fraiseql-dev-inbox.js');
const inbox =
  existsSync(join(root, 'libs', 'dev-inbox', 'dist')) && existsSync(inboxBin)
    ? { name: 'dev-inbox', httpPort: Number(process.env.FRAISEQL_DEV_INBOX_HTTP_PORT ?? 8025) }
    : undefined;
const { commands, result } = concurrently(
  [
    // `exec`: concurrently runs each command through /bin/sh, which does not hand Ctrl-C on; without it the shell dies of
    // the SIGINT while the service is still shutting down cleanly, and the line reads "exited with code SIGINT".
    ...services.map((s) => ({ name: s.name, command: `exec node ${nodeFlags(s.name)}services/${s.name}/dist/main.js`, env, cwd: root })),
    ...(inbox ? [{ name: inbox.name, command: `exec node ${inboxBin}`, env, cwd: root }] : []),
  ],
  { prefix: '[{name}]', padPrefix: true, killOthersOn: ['failure'], killSignal: 'SIGTERM', handleInput: false },
);

async function waitReady(service) {
  if (!service.opsPort) return true;
  const url = `http://127.0.0.1:${service.opsPort}/readyz`;
  for (let attempt = 0; attempt < 120; attempt += 1) {
    try {
      const response = await fetch(url);
      if (response.ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return false;
}

const ready = await Promise.all(services.map(waitReady));
const lines = ['', 'FraiseQL fleet is up:'];
services.forEach((s, i) => {
  const parts = [];
  if (s.httpPort) parts.push(`http://127.0.0.1:${s.httpPort}${s.httpPath ?? ''}`);
  if (s.grpcPort) parts.push(`grpc://127.0.0.1:${s.grpcPort}`);
  if (s.opsPort) parts.push(`metrics http://127.0.0.1:${s.opsPort}/metrics`);
  lines.push(`  ${s.name.padEnd(16)} ${ready[i] ? 'ready  ' : 'NOT READY'} ${parts.join('   ')}`);
});
lines.push(
  '',
  '  GraphiQL:  http://127.0.0.1:4000/graphiql',
  '  Try it:    curl -s http://127.0.0.1:4000/graphql -H "content-type: application/json" \\',
  '               -H "x-fraiseql-dev-subject: alice" -H "x-fraiseql-dev-org: 00000000-0000-4000-8000-000000000001" \\',
  `               -d '{"query":"{ orders(limit: 3, orderBy: [{field: placedAt, direction: DESC}]) { id status total customer { email } } }"}'`,
  '',
);
if (inbox && services.some((s) => s.name === 'observer-worker')) lines.push(...observerHint(inbox.httpPort), '');
const flight = services.find((s) => s.name === 'flight-server' && s.grpcPort);
if (flight) lines.push(...flightHint(flight.grpcPort), '');
const jobRunner = services.find((s) => s.name === 'job-runner');
if (jobRunner) lines.push(...jobsHint(jobRunner.opsPort ?? 9105), '');
if (services.some((s) => s.name === 'sink')) lines.push(...sinkHint(flight?.grpcPort ?? 8815), '');
console.log(lines.join('\n'));

/** What the demo shop's observer rules do, and how to see it happen in the dev inbox. */
function observerHint(port) {
  return [
    `  Dev inbox: http://127.0.0.1:${port}/inbox   (webhooks and e-mails the observer rules sent; SMTP on 127.0.0.1:1025)`,
    '  See a rule fire: ship an order (rules orderShippedWebhook and orderShippedEmail of examples/shop), then open the inbox:',
    '    curl -s http://127.0.0.1:4000/graphql -H "content-type: application/json" \\',
    '      -H "x-fraiseql-dev-subject: alice" -H "x-fraiseql-dev-org: 00000000-0000-4000-8000-000000000001" -H "x-fraiseql-dev-roles: admin" \\',
    `      -d '{"query":"mutation { updateOrderStatus(input: {id: \\"<an order id of the query above>\\", status: SHIPPED}) { id status } }"}'`,
  ];
}

/** Pasteable Flight clients for the demo data, authenticated by the dev headers (FRAISEQL_DEV_AUTH=1). */
function flightHint(port) {
  const subject = 'alice';
  const org = '00000000-0000-4000-8000-000000000001';
  return [
    `  Flight:    grpc://127.0.0.1:${port} (dev auth: gRPC metadata x-fraiseql-dev-subject / x-fraiseql-dev-org)`,
    '    pyarrow (pip install pyarrow):',
    `      python3 -c "import pyarrow.flight as fl; c = fl.connect('grpc://127.0.0.1:${port}'); \\`,
    `        o = fl.FlightCallOptions(headers=[(b'x-fraiseql-dev-subject', b'${subject}'), (b'x-fraiseql-dev-org', b'${org}')]); \\`,
    `        i = c.get_flight_info(fl.FlightDescriptor.for_path('va_order'), o); \\`,
    `        t = c.do_get(i.endpoints[0].ticket, o).read_all(); print(t.num_rows, 'rows'); print(t.schema)"`,
    '    Node (from this repository):',
    `      node --input-type=module -e "import { FlightClient } from '@fraiseql/flight'; \\`,
    `        const c = new FlightClient('127.0.0.1:${port}', { headers: { 'x-fraiseql-dev-subject': '${subject}', 'x-fraiseql-dev-org': '${org}' } }); \\`,
    `        const info = await c.getFlightInfo({ type: 1, path: ['va_order'] }); \\`,
    `        const t = await c.doGetTable(info.endpoint[0].ticket.ticket); console.log(t.numRows, 'rows:', t.schema.names.join(', ')); c.close()"`,
  ];
}

/** The operator UI, and a background export of the demo orders followed to its download (docs/jobs.md). */
function jobsHint(opsPort) {
  const org = '00000000-0000-4000-8000-000000000001';
  const input = '{"format":"PARQUET","source":{"kind":"view","view":"va_order","orderBy":[{"column":"placed_at","direction":"desc"}]}}';
  const curl = [
    '    curl -s http://127.0.0.1:4000/graphql -H "content-type: application/json" \\',
    `      -H "x-fraiseql-dev-subject: alice" -H "x-fraiseql-dev-org: ${org}" -H "x-fraiseql-dev-roles: exporter" \\`,
  ];
  return [
    `  Jobs:      http://127.0.0.1:${opsPort}/board   (bull-board: the job-runner's queue; export files in ${env.FRAISEQL_EXPORT_STORE})`,
    "  Export the shop's orders to Parquet in the background (roles admin, jobs:admin or exporter), then follow it and download the file:",
    ...curl,
    `      -d '{"query":"mutation($input: EnqueueExportInput!) { enqueueExport(input: $input) { id state } }","variables":{"input":${input}}}'`,
    `    npx fraiseql jobs show <job id> --org ${org}      (state SUCCEEDED when done; or watch the board)`,
    ...curl,
    `      -d '{"query":"{ exportDownload(id: \\"<job id>\\") { url expiresAt } }"}'`,
    '    curl -OJ "http://127.0.0.1:4000<url>"      (the signed /v1/exports/... path it returned: no other credentials needed)',
  ];
}

/** Where the sink put the demo shop's events: events per hour over Flight (from ClickHouse), and a search through GraphQL. */
function sinkHint(flightPort) {
  const org = '00000000-0000-4000-8000-000000000001';
  const clickhouse = env.FRAISEQL_CLICKHOUSE_URL ?? `embedded, ${env.FRAISEQL_SINK_CLICKHOUSE_PATH}`;
  const search = env.FRAISEQL_ELASTICSEARCH_URL ?? 'PostgreSQL full-text';
  return [
    `  Sink:      every change into ClickHouse (${clickhouse}) and search (${search})`,
    '    Events per hour, entity and type over Flight (dataset analytics/events_hourly; docs/analytics.md), after a change:',
    `      node --input-type=module -e "import { FlightClient } from '@fraiseql/flight'; \\`,
    `        const c = new FlightClient('127.0.0.1:${flightPort}', { headers: { 'x-fraiseql-dev-subject': 'alice', 'x-fraiseql-dev-org': '${org}' } }); \\`,
    `        const info = await c.getFlightInfo({ type: 1, path: ['analytics', 'events_hourly'] }); \\`,
    `        const t = await c.doGetTable(info.endpoint[0].ticket.ticket); console.log(t.toArray().map((r) => JSON.stringify(r.toJSON(), (k, v) => typeof v === 'bigint' ? String(v) : v)).join('\\\\n')); c.close()"`,
    '    Search what changed (roles admin or search), e.g. after shipping the order above:',
    '    curl -s http://127.0.0.1:4000/graphql -H "content-type: application/json" \\',
    `      -H "x-fraiseql-dev-subject: alice" -H "x-fraiseql-dev-org: ${org}" -H "x-fraiseql-dev-roles: admin" \\`,
    `      -d '{"query":"{ searchEvents(query: \\"shipped\\", first: 5) { hits { entityType entityId eventType highlights } } }"}'`,
  ];
}

const stop = () => commands.forEach((c) => c.kill('SIGTERM'));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
try {
  await result;
} catch {
  process.exitCode = 1;
}
