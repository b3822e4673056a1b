// Runs every built service of the workspace side by side with prefixed logs, waits until each
// answers /readyz, then prints where everything is. Ctrl-C stops them all gracefully (SIGTERM).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import concurrently from 'concurrently';

const root = new URL('..', import.meta.url).pathname;
const services = readdirSync(join(root, 'services'))
  .filter((name) => existsSync(join(root, 'services', name, 'dist', 'main.js')))
  .map((name) => {
    const manifest = JSON.parse(readFileSync(join(root, 'services', name, 'package.json'), 'utf8'));
    return { name, ...(manifest.fraiseql ?? {}) };
  });
if (services.length === 0) throw new Error('no built service found: run `npx tsc -b tsconfig.build.json` first');

const env = {
  ...process.env,
  FRAISEQL_SCHEMA_SOURCE: process.env.FRAISEQL_SCHEMA_SOURCE ?? 'kv',
  FRAISEQL_QUERY_EXECUTOR_DATABASE_URL: process.env.FRAISEQL_QUERY_EXECUTOR_DATABASE_URL ?? process.env.FRAISEQL_DATABASE_URL,
  FRAISEQL_DEV_AUTH: process.env.FRAISEQL_DEV_AUTH ?? '1',
  FRAISEQL_LOG_PRETTY: process.env.FRAISEQL_LOG_PRETTY ?? (process.stdout.isTTY ? '1' : '0'),
};
delete env.FRAISEQL_DATABASE_URL;

const { commands, result } = concurrently(
  services.map((s) => ({ name: s.name, command: `node services/${s.name}/dist/main.js`, env, cwd: root })),
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
console.log(lines.join('\n'));

const stop = () => commands.forEach((c) => c.kill('SIGTERM'));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
try {
  await result;
} catch {
  process.exitCode = 1;
}
