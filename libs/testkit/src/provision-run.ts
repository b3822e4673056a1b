import type { NatsConnection } from 'nats';
import { startServiceProcess } from './service-process';

/** A service entry point run to its end as its own process (a provisioning Job's step). */
export interface CompletedRun {
  code: number | string;
  stderr: string;
  /** The JSON log lines (pino) it wrote to stdout. */
  lines: Array<Record<string, unknown>>;
}

export async function runServiceProcessToEnd(entry: string, env: Record<string, string>): Promise<CompletedRun> {
  const child = startServiceProcess(entry, env);
  const code = await child.exited;
  const lines = child
    .stdout()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { code, stderr: child.stderr(), lines };
}

/** Every stream (KV buckets are streams KV_<bucket>) and durable consumer, with its whole config. */
export async function jetStreamDurableState(
  nc: NatsConnection,
): Promise<{ streams: Record<string, unknown>; consumers: Record<string, unknown> }> {
  const jsm = await nc.jetstreamManager();
  const streams: Record<string, unknown> = {};
  const consumers: Record<string, unknown> = {};
  for await (const info of jsm.streams.list()) {
    streams[info.config.name] = info.config;
    for await (const consumer of jsm.consumers.list(info.config.name)) {
      // Durable consumers only: a running service also has ephemeral ones (its KV watches).
      if (consumer.config.durable_name) consumers[`${info.config.name}/${consumer.name}`] = consumer.config;
    }
  }
  return { streams, consumers };
}
