import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

/** CPU seconds used so far by the three processes the throughput part keeps busy, and Redis's command counts. */
export interface ServerSnapshot {
  /** This process: the job-runner's code (or the bare BullMQ worker) and the enqueue loop. */
  bench: number;
  redis: number;
  nats: number;
  /** Commands Redis executed (INFO commandstats, INFO itself left out): a script's own calls count too. */
  redisCommands: number;
  /** Of which EVAL/EVALSHA calls: BullMQ's and the job-runner's Lua scripts. */
  redisScripts: number;
}

export type ServerSpent = ServerSnapshot;

/**
 * Reads where the work goes during a drain: this process from process.cpuUsage(), Redis from its own INFO
 * (CPU of all its threads, commands), nats-server from /proc (the testkit keeps its pid to itself, so it is
 * found by port).
 */
export class ServerMeter {
  private readonly ticksPerSecond = clockTicks();

  constructor(
    private readonly redis: Redis,
    private readonly natsPid: number | undefined,
  ) {}

  async snapshot(): Promise<ServerSnapshot> {
    const [cpu, commands] = await Promise.all([this.redis.info('cpu'), this.redis.info('commandstats')]);
    const field = (name: string): number => Number(new RegExp(`^${name}:([0-9.]+)`, 'm').exec(cpu)?.[1] ?? 0);
    let redisCommands = 0;
    let redisScripts = 0;
    for (const [, name, calls] of commands.matchAll(/^cmdstat_([a-z|_-]+):calls=(\d+)/gm)) {
      if (name === 'info') continue;
      redisCommands += Number(calls);
      if (name === 'eval' || name === 'evalsha') redisScripts += Number(calls);
    }
    const own = process.cpuUsage();
    return {
      bench: (own.user + own.system) / 1e6,
      redis: field('used_cpu_sys') + field('used_cpu_user'),
      nats: this.natsPid === undefined ? Number.NaN : processTicks(this.natsPid) / this.ticksPerSecond,
      redisCommands,
      redisScripts,
    };
  }

  static spent(before: ServerSnapshot, after: ServerSnapshot): ServerSpent {
    return {
      bench: after.bench - before.bench,
      redis: after.redis - before.redis,
      nats: after.nats - before.nats,
      redisCommands: after.redisCommands - before.redisCommands,
      redisScripts: after.redisScripts - before.redisScripts,
    };
  }
}

/** The pid of a server started as `<binary> … -p <port>` or `--port <port>` (its command line, read from /proc). */
export function findServerPid(binary: string, port: number): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (!argv[0]?.endsWith(binary)) continue;
      const at = argv.findIndex((arg) => arg === '-p' || arg === '--port');
      if (at !== -1 && argv[at + 1] === String(port)) return Number(entry);
    } catch {
      // the process ended while we looked
    }
  }
  return undefined;
}

function processTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return Number.NaN;
  }
}

function clockTicks(): number {
  try {
    const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isFinite(value) && value > 0 ? value : 100;
  } catch {
    return 100;
  }
}
