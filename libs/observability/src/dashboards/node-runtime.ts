import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { FLEET_JOBS } from '../fleet';
import { buildDashboard, timeseries } from '../panels';

/** Node.js process health of every replica (prom-client default metrics). */
export function nodeRuntime(): Dashboard {
  const fleet = `{${FLEET_JOBS}}`;
  return buildDashboard({
    uid: 'fraiseql-node-runtime',
    title: 'FraiseQL / Node runtime',
    description: 'Event-loop lag, heap, garbage collection, CPU and handles of every replica.',
    rows: [
      {
        title: 'Event loop',
        panels: [
          timeseries({
            title: 'Event-loop lag p99',
            description: 'p99 delay of the event loop per replica; sustained values above 100 ms mean CPU-bound work on the loop.',
            unit: 's',
            queries: [
              { expr: `max by (service, instance) (nodejs_eventloop_lag_p99_seconds${fleet})`, legend: '{{service}} {{instance}}' },
            ],
          }),
          timeseries({
            title: 'Event-loop lag mean',
            description: 'Mean delay of the event loop per replica.',
            unit: 's',
            queries: [
              { expr: `max by (service, instance) (nodejs_eventloop_lag_mean_seconds${fleet})`, legend: '{{service}} {{instance}}' },
            ],
          }),
        ],
      },
      {
        title: 'Memory and GC',
        panels: [
          timeseries({
            title: 'Heap used',
            description: 'V8 heap in use per replica; a steady climb across GCs is a leak.',
            unit: 'bytes',
            queries: [{ expr: `sum by (service, instance) (nodejs_heap_size_used_bytes${fleet})`, legend: '{{service}} {{instance}}' }],
            width: 8,
          }),
          timeseries({
            title: 'Resident memory',
            description: 'Process RSS per replica (heap, buffers, native memory such as Arrow and DuckDB/chdb engines).',
            unit: 'bytes',
            queries: [{ expr: `sum by (service, instance) (process_resident_memory_bytes${fleet})`, legend: '{{service}} {{instance}}' }],
            width: 8,
          }),
          timeseries({
            title: 'GC time per second',
            description: 'Seconds spent in garbage collection per second, by GC kind.',
            unit: 's',
            queries: [
              { expr: `sum by (service, kind) (rate(nodejs_gc_duration_seconds_sum${fleet}[5m]))`, legend: '{{service}} {{kind}}' },
            ],
            width: 8,
          }),
        ],
      },
      {
        title: 'Process',
        panels: [
          timeseries({
            title: 'CPU',
            description: 'CPU seconds per second per replica (1 = one core).',
            unit: 'short',
            queries: [
              { expr: `sum by (service, instance) (rate(process_cpu_seconds_total${fleet}[5m]))`, legend: '{{service}} {{instance}}' },
            ],
          }),
          timeseries({
            title: 'Active handles',
            description: 'Sockets, timers and other libuv handles per replica; growth without traffic growth is a leak.',
            unit: 'short',
            queries: [{ expr: `sum by (service, instance) (nodejs_active_handles_total${fleet})`, legend: '{{service}} {{instance}}' }],
          }),
        ],
      },
    ],
  });
}
