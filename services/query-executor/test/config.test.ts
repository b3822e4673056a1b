import { join } from 'node:path';
import { startServiceProcess } from '@fraiseql/testkit';

const MAIN = join(__dirname, '../src/main.ts');

describe('query-executor configuration', () => {
  it('requires a cursor secret in production', async () => {
    const executor = startServiceProcess(MAIN, { FRAISEQL_ENV: 'production', FRAISEQL_NATS_URL: 'nats://127.0.0.1:1' });
    expect(await executor.exited).toBe(1);
    expect(executor.stderr()).toContain('FRAISEQL_CURSOR_SECRET: required when FRAISEQL_ENV=production');
  });

  it('exits non-zero naming an unknown FRAISEQL_QUERY_EXECUTOR_* key, before connecting anywhere', async () => {
    const executor = startServiceProcess(MAIN, { FRAISEQL_QUERY_EXECUTOR_POOL_MAXX: '4', FRAISEQL_NATS_URL: 'nats://127.0.0.1:1' });
    expect(await executor.exited).toBe(1);
    expect(executor.stderr()).toContain('unknown key FRAISEQL_QUERY_EXECUTOR_POOL_MAXX');
  });
});
