import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger, installShutdown, type ShutdownControl } from '../src';

function capturingLogger(): { logger: ReturnType<typeof createLogger>; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      callback();
    },
  });
  return { logger: createLogger({ service: 'test', level: 'debug', destination }), lines };
}

describe('installShutdown', () => {
  let control: ShutdownControl | undefined;
  afterEach(() => {
    control?.uninstall();
    control = undefined;
  });

  it('runs the steps in order and exits 0', async () => {
    const { logger } = capturingLogger();
    const ran: string[] = [];
    const exits: number[] = [];
    control = installShutdown({
      logger,
      deadlineMs: 5000,
      signals: [],
      exit: (code) => exits.push(code),
      steps: ['stop-taking-work', 'drain', 'close-connections', 'flush-telemetry'].map((name) => ({
        name,
        run: async () => {
          await new Promise((resolve) => setImmediate(resolve));
          ran.push(name);
        },
      })),
    });
    const first = control.shutdown('test');
    const second = control.shutdown('again');
    expect(await first).toBe(0);
    expect(await second).toBe(0);
    expect(ran).toEqual(['stop-taking-work', 'drain', 'close-connections', 'flush-telemetry']);
    expect(exits).toEqual([0]);
  });

  it('exits 1 and names the hung step when the deadline passes', async () => {
    const { logger, lines } = capturingLogger();
    const ran: string[] = [];
    const exits: number[] = [];
    control = installShutdown({
      logger,
      deadlineMs: 100,
      signals: [],
      exit: (code) => exits.push(code),
      steps: [
        {
          name: 'stop-taking-work',
          run: async () => {
            ran.push('stop-taking-work');
          },
        },
        { name: 'drain', run: () => new Promise<void>(() => {}) },
        {
          name: 'close-connections',
          run: async () => {
            ran.push('close-connections');
          },
        },
      ],
    });
    expect(await control.shutdown('test')).toBe(1);
    expect(exits).toEqual([1]);
    expect(ran).toEqual(['stop-taking-work']);
    const deadlineLine = lines.find((l) => l.level === 'error');
    expect(deadlineLine).toMatchObject({ step: 'drain' });
    expect(String(deadlineLine!.msg)).toContain('"drain"');
  });

  it('keeps closing after a failing step and exits 1', async () => {
    const { logger, lines } = capturingLogger();
    const ran: string[] = [];
    const exits: number[] = [];
    control = installShutdown({
      logger,
      deadlineMs: 5000,
      signals: [],
      exit: (code) => exits.push(code),
      steps: [
        {
          name: 'drain',
          run: async () => {
            throw new Error('nak failed');
          },
        },
        {
          name: 'close-connections',
          run: async () => {
            ran.push('close-connections');
          },
        },
      ],
    });
    expect(await control.shutdown('test')).toBe(1);
    expect(ran).toEqual(['close-connections']);
    expect(exits).toEqual([1]);
    expect(lines.find((l) => l.msg === 'shutdown step failed')).toMatchObject({ step: 'drain', err: { message: 'nak failed' } });
  });

  it('a real process exits 0 on SIGTERM after running its steps in order', async () => {
    const fixture = join(__dirname, 'fixtures', 'shutdown-child.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
      cwd: join(__dirname, '..', '..', '..'),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: Record<string, unknown>[] = [];
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    let buffered = '';
    const ready = new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk) => {
        buffered += chunk;
        let newline: number;
        while ((newline = buffered.indexOf('\n')) >= 0) {
          const line = JSON.parse(buffered.slice(0, newline));
          buffered = buffered.slice(newline + 1);
          lines.push(line);
          if (line.msg === 'ready') resolve();
        }
      });
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await Promise.race([
      ready,
      exited.then(() => {
        throw new Error(`child exited early: ${stderr}`);
      }),
    ]);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const ran = lines.filter((l) => l.msg === 'step ran').sort((a, b) => Number(a.seq) - Number(b.seq));
    expect(ran.map((l) => l.step)).toEqual(['stop-taking-work', 'drain', 'close-connections']);
    expect(lines.find((l) => l.msg === 'shutting down')).toMatchObject({ reason: 'SIGTERM', service: 'shutdown-child' });
    expect(lines.find((l) => l.msg === 'shutdown complete')).toMatchObject({ code: 0 });
  });
});
