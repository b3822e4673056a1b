import { join } from 'node:path';
import { startServiceProcess } from '@fraiseql/testkit';

const MAIN = join(__dirname, '../src/main.ts');

describe('gateway configuration', () => {
  it('exits non-zero naming an unknown FRAISEQL_GATEWAY_* key, before connecting anywhere', async () => {
    const gateway = startServiceProcess(MAIN, { FRAISEQL_GATEWAY_PROT: '4000', FRAISEQL_NATS_URL: 'nats://127.0.0.1:1' });
    expect(await gateway.exited).toBe(1);
    expect(gateway.stderr()).toContain('unknown key FRAISEQL_GATEWAY_PROT');
    expect(gateway.stderr()).toContain('did you mean FRAISEQL_GATEWAY_PORT?');
  });

  it('refuses development auth headers in production', async () => {
    const gateway = startServiceProcess(MAIN, { FRAISEQL_ENV: 'production', FRAISEQL_DEV_AUTH: '1', FRAISEQL_CURSOR_SECRET: 'x'.repeat(32), FRAISEQL_NATS_URL: 'nats://127.0.0.1:1' });
    expect(await gateway.exited).toBe(1);
    expect(gateway.stderr()).toContain('FRAISEQL_DEV_AUTH');
  });

  it('requires a cursor secret in production', async () => {
    const gateway = startServiceProcess(MAIN, { FRAISEQL_ENV: 'production', FRAISEQL_NATS_URL: 'nats://127.0.0.1:1' });
    expect(await gateway.exited).toBe(1);
    expect(gateway.stderr()).toContain('FRAISEQL_CURSOR_SECRET: required when FRAISEQL_ENV=production');
  });
});
