import { join } from 'node:path';
import { loadConfig } from '@fraiseql/service-kit';
import { startServiceProcess } from '@fraiseql/testkit';
import { gatewayConfig } from '../src/config';

const MAIN = join(__dirname, '../src/main.ts');

describe('gateway configuration', () => {
  it('exits non-zero naming an unknown FRAISEQL_GATEWAY_* key, before connecting anywhere', async () => {
    const gateway = startServiceProcess(MAIN, { FRAISEQL_GATEWAY_PROT: '4000', FRAISEQL_NATS_URL: 'nats://127.0.0.1:1' });
    expect(await gateway.exited).toBe(1);
    expect(gateway.stderr()).toContain('unknown key FRAISEQL_GATEWAY_PROT');
    expect(gateway.stderr()).toContain('did you mean FRAISEQL_GATEWAY_PORT?');
  });

  it('refuses development auth headers in production', async () => {
    const gateway = startServiceProcess(MAIN, {
      FRAISEQL_ENV: 'production',
      FRAISEQL_DEV_AUTH: '1',
      FRAISEQL_CURSOR_SECRET: 'x'.repeat(32),
      FRAISEQL_NATS_URL: 'nats://127.0.0.1:1',
    });
    expect(await gateway.exited).toBe(1);
    expect(gateway.stderr()).toContain('FRAISEQL_DEV_AUTH');
  });

  it('requires a cursor secret in production', async () => {
    const gateway = startServiceProcess(MAIN, { FRAISEQL_ENV: 'production', FRAISEQL_NATS_URL: 'nats://127.0.0.1:1' });
    expect(await gateway.exited).toBe(1);
    expect(gateway.stderr()).toContain('FRAISEQL_CURSOR_SECRET: required when FRAISEQL_ENV=production');
  });

  it('takes FRAISEQL_GATEWAY_EXECUTOR_LIVENESS_MS as 3000 by default, 0 as off, and refuses a window under 300 ms', () => {
    const liveness = (value?: string): number =>
      loadConfig(gatewayConfig, { env: value === undefined ? {} : { FRAISEQL_GATEWAY_EXECUTOR_LIVENESS_MS: value } })
        .FRAISEQL_GATEWAY_EXECUTOR_LIVENESS_MS;
    expect(liveness()).toBe(3000);
    expect(liveness('0')).toBe(0);
    expect(liveness('1.5s')).toBe(1500);
    expect(() => liveness('100')).toThrow('FRAISEQL_GATEWAY_EXECUTOR_LIVENESS_MS: must be 0 (off) or at least 300 ms, got "100"');
    expect(() => liveness('often')).toThrow(/FRAISEQL_GATEWAY_EXECUTOR_LIVENESS_MS: expected a duration/);
  });
});
