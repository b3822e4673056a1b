import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Client } from 'pg';

export interface CpuSnapshot {
  at: number;
  app: Map<number, number>;
  db: Map<number, number>;
  machine: { busy: number; total: number };
  loadGenerator: NodeJS.CpuUsage;
}

/** CPU seconds spent between two snapshots, split by tier. */
export interface CpuSpent {
  /** The system's own processes (for FraiseQL: gateway + query-executor + nats-server). */
  appSeconds: number;
  /** PostgreSQL backends connected to the benchmark database. */
  dbSeconds: number;
  /** This process: autocannon and the harness. */
  loadGeneratorSeconds: number;
  /** Share of all cores busy (everything on the machine, other users included), 0..1. */
  machineBusy: number;
  wallSeconds: number;
}

/**
 * Where the CPU goes during a run, read from /proc: a 2-core machine is CPU-bound long before
 * anything else, so "CPU milliseconds per request" per tier says more than the rates alone
 * (and it shows when the load generator itself is a big consumer).
 */
export class CpuMeter {
  private readonly ticksPerSecond = clockTicks();

  private constructor(
    private readonly client: Client,
    private readonly database: string,
  ) {}

  static async open(databaseUrl: string): Promise<CpuMeter> {
    const client = new Client({ connectionString: databaseUrl, application_name: 'fraiseql-bench-cpu-meter' });
    await client.connect();
    return new CpuMeter(client, decodeURIComponent(new URL(databaseUrl).pathname.slice(1)));
  }

  async snapshot(appPids: readonly number[]): Promise<CpuSnapshot> {
    const { rows } = await this.client.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend' AND pid <> pg_backend_pid()`,
      [this.database],
    );
    return {
      at: Date.now(),
      app: ticksOf(appPids),
      db: ticksOf(rows.map((r) => r.pid)),
      machine: machineTicks(),
      loadGenerator: process.cpuUsage(),
    };
  }

  spent(before: CpuSnapshot, after: CpuSnapshot): CpuSpent {
    const delta = (a: Map<number, number>, b: Map<number, number>): number => {
      // A backend that connected during the run counts from zero; one that left is lost (rare: pools keep theirs).
      let sum = 0;
      for (const [pid, ticks] of b) sum += ticks - (a.get(pid) ?? 0);
      return sum / this.ticksPerSecond;
    };
    const usage = process.cpuUsage(before.loadGenerator);
    const total = after.machine.total - before.machine.total;
    return {
      appSeconds: delta(before.app, after.app),
      dbSeconds: delta(before.db, after.db),
      loadGeneratorSeconds: (usage.user + usage.system) / 1e6,
      machineBusy: total > 0 ? (after.machine.busy - before.machine.busy) / total : 0,
      wallSeconds: (after.at - before.at) / 1000,
    };
  }

  close(): Promise<void> {
    return this.client.end();
  }
}

function ticksOf(pids: readonly number[]): Map<number, number> {
  const result = new Map<number, number>();
  for (const pid of pids) {
    try {
      // Fields after the ")" of the command name: state is #3, utime #14, stime #15 (1-based, whole line).
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      result.set(pid, Number(fields[11]) + Number(fields[12]));
    } catch {
      // the process ended
    }
  }
  return result;
}

function machineTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal guest guest_nice; guest time is already in user.
  const total = values.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  return { busy: total - idle, total };
}

function clockTicks(): number {
  try {
    const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isFinite(value) && value > 0 ? value : 100;
  } catch {
    return 100;
  }
}
