import autocannon from 'autocannon';
import type { BenchSystem } from './bench-system';
import type { CpuMeter, CpuSpent } from './cpu-meter';

export interface RunSettings {
  connections: number;
  duration: number;
}

export interface RunMeasurement {
  system: BenchSystem['name'];
  query: string;
  round: number;
  requests: number;
  /** Completed requests per second over the whole run. */
  rps: number;
  p50: number;
  p99: number;
  meanLatency: number;
  /** Anything but a 2xx answer, connection errors and timeouts: a valid run has none. */
  failures: number;
  bytesPerResponse: number;
  cpu: CpuSpent;
}

/** One autocannon run against one system: fixed connections, fixed duration, no pipelining. */
export async function measureRun(
  system: BenchSystem,
  query: { name: string; limit: number },
  round: number,
  settings: RunSettings,
  meter: CpuMeter,
): Promise<RunMeasurement> {
  const before = await meter.snapshot(system.pids);
  const result = await autocannon({
    url: system.url,
    method: 'POST',
    headers: system.headers,
    body: system.body(query.limit),
    connections: settings.connections,
    duration: settings.duration,
    pipelining: 1,
    timeout: 30,
  });
  const after = await meter.snapshot(system.pids);
  const requests = result.requests.total;
  return {
    system: system.name,
    query: query.name,
    round,
    requests,
    rps: requests / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    meanLatency: result.latency.average,
    failures: result.non2xx + result.errors + result.timeouts,
    bytesPerResponse: requests > 0 ? result.throughput.total / requests : 0,
    cpu: meter.spent(before, after),
  };
}
