import { readdirSync, readFileSync } from 'node:fs';
import type { Client } from 'pg';

/** CPU-seconds (user + system) of a process so far, from /proc; 0 when it is gone or /proc is missing. */
export function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** USER_HZ: 100 on every Linux this runs on. */
const CLOCK_TICKS = 100;

/** The pid of the nats-server listening on `port` (its command line holds `-p <port>`), if any. */
export function natsServerPid(port: number): number | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (!args[0]?.endsWith('nats-server')) continue;
      const at = args.indexOf('-p');
      if (at >= 0 && args[at + 1] === String(port)) return Number(entry);
    } catch {
      // the process ended while we looked
    }
  }
  return undefined;
}

/** The CPU-seconds each part spent during one leg of the benchmark. */
export interface LegCpu {
  /** The query-executor (the relay's Node side) or, for raw publishing, the benchmark process itself. */
  node: number;
  /** PostgreSQL backends of the relay (application_name `fraiseql-relay`). */
  postgres: number;
  nats: number;
}

/**
 * Samples CPU-seconds of the executor, the relay's PostgreSQL backends and nats-server; `stop()`
 * returns what each spent since `start`. Backends that ended meanwhile are not counted (the relay's
 * pool keeps its connections while it is busy).
 */
export async function startCpuSample(sql: Client, pids: { node: number; nats: number | undefined }): Promise<{ stop(): Promise<LegCpu> }> {
  const backends = async (): Promise<number[]> =>
    (await sql.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE application_name = 'fraiseql-relay'`)).rows.map((r) => r.pid);
  const before = new Map<number, number>();
  for (const pid of await backends()) before.set(pid, processCpuSeconds(pid));
  const node0 = processCpuSeconds(pids.node);
  const nats0 = pids.nats === undefined ? 0 : processCpuSeconds(pids.nats);
  return {
    async stop() {
      const node = processCpuSeconds(pids.node) - node0;
      const nats = pids.nats === undefined ? 0 : processCpuSeconds(pids.nats) - nats0;
      let postgres = 0;
      for (const pid of new Set([...before.keys(), ...(await backends())])) {
        const now = processCpuSeconds(pid);
        if (now > 0) postgres += now - (before.get(pid) ?? 0);
      }
      return { node, postgres, nats };
    },
  };
}
