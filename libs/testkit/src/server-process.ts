import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect as netConnect } from 'node:net';

/** The first existing path of a server binary: `$<envVar>`, then the usual install places. */
export function findBinary(name: string, envVar: string): string {
  const candidates = [process.env[envVar], `/usr/sbin/${name}`, `/usr/bin/${name}`, `/usr/local/bin/${name}`];
  const found = candidates.find((c): c is string => !!c && existsSync(c));
  if (!found) throw new Error(`${name} binary not found (set ${envVar} or apt-get install ${name})`);
  return found;
}

function waitForPort(name: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      const socket = netConnect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`${name} did not listen on ${port} within ${timeoutMs} ms`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

/** A server child process that can be stopped (SIGTERM, awaited) and started again with the same arguments. */
export function serverProcess(
  name: string,
  binary: string,
  args: string[],
  port: number,
): { start(): Promise<void>; stop(): Promise<void> } {
  let child: ChildProcess | undefined;
  return {
    async start() {
      child = spawn(binary, args, { stdio: 'ignore' });
      await waitForPort(name, port, 10_000);
    },
    async stop() {
      const running = child;
      child = undefined;
      if (!running || running.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        running.once('exit', () => resolve());
        running.kill('SIGTERM');
      });
    },
  };
}
