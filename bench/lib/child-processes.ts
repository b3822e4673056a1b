import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SpawnOptions {
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface BenchChild {
  name: string;
  pid: number;
  process: ChildProcess;
  /** The last lines the child wrote (stdout and stderr), for error messages. */
  recentOutput(): string;
  /** Resolves with the first stdout line matching `pattern`, rejects if the child exits first. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<string>;
}

/**
 * Every server the benchmark starts, so that all of them stop on every way out: normal end,
 * error, Ctrl-C, SIGTERM. A run killed with SIGKILL has no chance to clean up, so two more
 * nets: each child is started through `setpriv --pdeathsig SIGTERM` where available (the kernel
 * sends it SIGTERM when this process dies), and the pids go to a pid file, from which the next
 * run stops leftovers — by pid, only when the run that started them is gone, and only if the
 * pid still runs the command that run started.
 */
export class BenchChildren {
  private readonly children: BenchChild[] = [];
  private readonly pidFile: string;
  private stopping: Promise<void> | undefined;
  private readonly afterStopHooks: Array<() => void> = [];

  /** `benchmark` names the pid file (`$TMPDIR/fraiseql-bench-<benchmark>.pids`), one per benchmark. */
  constructor(benchmark: string) {
    this.pidFile = join(tmpdir(), `fraiseql-bench-${benchmark}.pids`);
  }

  /** Runs `hook` once every child has stopped (work folders the children used, for instance). */
  afterStop(hook: () => void): void {
    this.afterStopHooks.push(hook);
  }

  /** Stops leftovers of a previous run that died without cleaning up. */
  reapOrphans(): string[] {
    if (!existsSync(this.pidFile)) return [];
    const reaped: string[] = [];
    const kept: string[] = [];
    for (const line of readFileSync(this.pidFile, 'utf8').split('\n')) {
      const [pidText, ownerText, ...command] = line.split(' ');
      const pid = Number(pidText);
      const owner = Number(ownerText);
      if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(owner)) continue;
      // Another benchmark run that is still alive owns this child: not an orphan.
      if (owner !== process.pid && readCmdline(owner) !== undefined) {
        kept.push(line);
        continue;
      }
      const cmdline = readCmdline(pid);
      if (cmdline !== undefined && cmdline.endsWith(command.join(' '))) {
        try {
          process.kill(pid, 'SIGKILL');
          reaped.push(`${pid} ${cmdline}`);
        } catch {
          // already gone
        }
      }
    }
    if (kept.length > 0) writeFileSync(this.pidFile, `${kept.join('\n')}\n`);
    else rmSync(this.pidFile, { force: true });
    return reaped;
  }

  /** Removes work folders (`<prefix>-<owner pid>-…` in the temp dir) whose run is gone. */
  removeStaleWorkDirs(prefix: string): string[] {
    const removed: string[] = [];
    for (const entry of readdirSync(tmpdir())) {
      const match = new RegExp(`^${prefix}-(\\d+)-`).exec(entry);
      if (!match || Number(match[1]) === process.pid || readCmdline(Number(match[1])) !== undefined) continue;
      rmSync(join(tmpdir(), entry), { recursive: true, force: true });
      removed.push(entry);
    }
    return removed;
  }

  start(name: string, command: string, options: SpawnOptions): BenchChild {
    if (this.stopping) throw new Error('stopping: no new child processes');
    const [file, args] = existsSync(SETPRIV) ? [SETPRIV, ['--pdeathsig', 'SIGTERM', command, ...options.args]] : [command, options.args];
    const child = spawn(file, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      // stdin is a pipe we never write: PostGraphile's wrapper exits when it closes (our death).
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    if (child.pid === undefined) throw new Error(`could not start ${name} (${command})`);
    const lines: string[] = [];
    const listeners = new Set<(line: string) => void>();
    const collect = (chunk: Buffer): void => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.length === 0) continue;
        lines.push(line.length > 2000 ? `${line.slice(0, 2000)}…` : line);
        if (lines.length > 60) lines.shift();
        listeners.forEach((listener) => listener(line));
      }
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    // BENCH_CHILD_LOG_DIR keeps every child's full output, for looking into a run afterwards.
    const logDir = process.env.BENCH_CHILD_LOG_DIR;
    if (logDir) {
      const log = createWriteStream(join(logDir, `${name}-${child.pid}.log`));
      child.stdout!.pipe(log);
      child.stderr!.pipe(log);
    }
    const pid = child.pid;
    const entry: BenchChild = {
      name,
      pid,
      process: child,
      recentOutput: () => lines.join('\n'),
      waitForLine: (pattern, timeoutMs) =>
        new Promise<string>((resolve, reject) => {
          const done = (): void => {
            clearTimeout(timer);
            listeners.delete(onLine);
            child.off('exit', onExit);
          };
          const onLine = (line: string): void => {
            if (pattern.test(line)) {
              done();
              resolve(line);
            }
          };
          const onExit = (code: number | null, signal: string | null): void => {
            done();
            reject(new Error(`${name} exited (code ${code}, signal ${signal}) before printing ${pattern}:\n${lines.join('\n')}`));
          };
          const timer = setTimeout(() => {
            done();
            reject(new Error(`${name} did not print ${pattern} within ${timeoutMs} ms:\n${lines.join('\n')}`));
          }, timeoutMs);
          listeners.add(onLine);
          child.once('exit', onExit);
        }),
    };
    this.children.push(entry);
    // setpriv execs the command in place: same pid, and its command line ends with ours.
    writeFileSync(this.pidFile, `${pid} ${process.pid} ${[command, ...options.args].join(' ')}\n`, { flag: 'a' });
    return entry;
  }

  /** The first child that exited although nobody asked it to, if any. */
  crashed(): BenchChild | undefined {
    if (this.stopping) return undefined;
    return this.children.find((c) => c.process.exitCode !== null || c.process.signalCode !== null);
  }

  /** SIGTERM to every child (in reverse start order), SIGKILL to those still alive after 10 s. */
  stopAll(): Promise<void> {
    this.stopping ??= (async () => {
      for (const child of [...this.children].reverse()) {
        await stopOne(child.process, 10_000);
      }
      this.forgetOwnEntries();
      for (const hook of this.afterStopHooks) {
        try {
          hook();
        } catch {
          // best effort: a leftover work folder is removed by the next run
        }
      }
    })();
    return this.stopping;
  }

  private forgetOwnEntries(): void {
    if (!existsSync(this.pidFile)) return;
    const others = readFileSync(this.pidFile, 'utf8')
      .split('\n')
      .filter((line) => line.length > 0 && line.split(' ')[1] !== String(process.pid));
    if (others.length > 0) writeFileSync(this.pidFile, `${others.join('\n')}\n`);
    else rmSync(this.pidFile, { force: true });
  }
}

const SETPRIV = '/usr/bin/setpriv';

function stopOne(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function readCmdline(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
  } catch {
    return undefined;
  }
}
