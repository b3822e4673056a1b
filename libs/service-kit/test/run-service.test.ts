import { join } from 'node:path';
import { startServiceProcess, waitFor, type ServiceProcess } from '@fraiseql/testkit';

// The frame every service's main.ts uses, run in a real child process (tests/fixtures/run-service-child.ts):
// real ops server, real SIGTERM, the exit code the orchestrator sees.
const CHILD = join(__dirname, 'fixtures', 'run-service-child.ts');

function logLines(service: ServiceProcess): Record<string, any>[] {
  return service
    .stdout()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

async function started(service: ServiceProcess): Promise<Record<string, any>> {
  await Promise.race([
    waitFor(() => logLines(service).some((l) => l.msg === 'kit-demo started'), 20_000),
    service.exited.then((code) => {
      throw new Error(`exited ${code} before starting: ${service.stderr()}`);
    }),
  ]);
  return logLines(service).find((l) => l.msg === 'kit-demo started')!;
}

describe('runService', () => {
  let service: ServiceProcess | undefined;
  afterEach(() => {
    if (service && service.child.exitCode === null) service.child.kill('SIGKILL');
    service = undefined;
  });

  it('serves the readiness checks and the registry on the ops port, then on SIGTERM marks not ready, runs the service steps, flushes telemetry, closes the ops port and exits 0', async () => {
    service = startServiceProcess(CHILD, { FRAISEQL_LOG_LEVEL: 'debug' });
    const line = await started(service);
    expect(line).toMatchObject({
      service: 'kit-demo',
      schemaHash: 'abc123',
      opsAddress: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
    });
    const ops = line.opsAddress as string;

    const readyz = await fetch(`${ops}/readyz`);
    expect(readyz.status).toBe(200);
    expect(await readyz.json()).toEqual({ status: 'ready', checks: { dependency: { status: 'ok' } } });
    expect(await (await fetch(`${ops}/metrics`)).text()).toMatch(/^kit_demo_starts_total\{service="kit-demo"\} 1$/m);

    service.child.kill('SIGTERM');
    expect(await service.exited).toBe(0);
    const lines = logLines(service);
    expect(lines.filter((l) => l.msg === 'shutdown step started').map((l) => l.step)).toEqual([
      'mark not ready',
      'drain',
      'close connections',
      'flush telemetry',
      'close ops server',
    ]);
    // While the service drains, load balancers already see it as not ready.
    expect(lines.find((l) => l.msg === 'step ran' && l.step === 'drain')).toMatchObject({ readyz: 503 });
    expect(lines.find((l) => l.msg === 'shutdown complete')).toMatchObject({ code: 0 });
    await expect(fetch(`${ops}/healthz`)).rejects.toThrow();
  });

  it('answers /readyz 503 naming the check that fails', async () => {
    service = startServiceProcess(CHILD, { FRAISEQL_KIT_DEMO_DEPENDENCY_UP: 'false' });
    const { opsAddress } = await started(service);
    const readyz = await fetch(`${opsAddress}/readyz`);
    expect(readyz.status).toBe(503);
    expect(await readyz.json()).toMatchObject({ status: 'not_ready', failed: ['dependency'] });
    expect((await fetch(`${opsAddress}/healthz`)).status).toBe(200);
  });

  it('prints "<name> failed to start: <message>" and exits 1 when start throws, without opening the ops port', async () => {
    service = startServiceProcess(CHILD, { FRAISEQL_KIT_DEMO_FAIL_START: 'true' });
    expect(await service.exited).toBe(1);
    expect(service.stderr()).toBe('kit-demo failed to start: dependency unreachable at 127.0.0.1:1\n');
    expect(logLines(service).map((l) => l.msg)).not.toContain('ops server listening');
  });

  it('exits 1 naming the bad key when the config does not load', async () => {
    service = startServiceProcess(CHILD, { FRAISEQL_KIT_DEMO_OPS_PROT: '9999' });
    expect(await service.exited).toBe(1);
    expect(service.stderr()).toMatch(/^kit-demo failed to start: .*/);
    expect(service.stderr()).toContain('unknown key FRAISEQL_KIT_DEMO_OPS_PROT');
  });
});
