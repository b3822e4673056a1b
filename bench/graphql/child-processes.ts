import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
 * error, Ctrl-C, SIGTERM. Their pids also go to a pid file, so that a run killed with SIGKILL
 * (which leaves no chance to clean up) has its orphans stopped by the next run — by pid, and
 * only if the process still runs the command this benchmark started.
 */
export class BenchChildren {
  private readonly children: BenchChild[] = [];
  private readonly pidFile = join(tmpdir(), 'fraiseql-bench-graphql.pids');
  private stopping: Promise<void> | undefined;

  /** Stops leftovers of a previous run that died without cleaning up. */
  reapOrphans(): string[] {
    if (!existsSync(this.pidFile)) return [];
    const reaped: string[] = [];
    for (const line of readFileSync(this.pidFile, 'utf8').split('\n')) {
      const [pidText, ...marker] = line.split(' ');
      const pid = Number(pidText);
      if (!Number.isInteger(pid) || pid <= 0) continue;
      const cmdline = readCmdline(pid);
      if (cmdline !== undefined && cmdline === marker.join(' ')) {
        try {
          process.kill(pid, 'SIGKILL');
          reaped.push(`${pid} ${cmdline}`);
        } catch {
          // already gone
        }
      }
    }
    rmSync(this.pidFile, { force: true });
    return reaped;
  }

  start(name: string, command: string, options: SpawnOptions): BenchChild {
    if (this.stopping) throw new Error('stopping: no new child processes');
    const child = spawn(command, options.args, {
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
    const cmdline = readCmdline(pid);
    if (cmdline !== undefined) writeFileSync(this.pidFile, `${pid} ${cmdline}\n`, { flag: 'a' });
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
      rmSync(this.pidFile, { force: true });
    })();
    return this.stopping;
  }
}

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
