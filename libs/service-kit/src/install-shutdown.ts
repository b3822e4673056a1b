import type { Logger } from 'pino';

export interface ShutdownStep {
  /** Named in logs, and in the error when the deadline passes while it runs. */
  name: string;
  run: () => Promise<void>;
}

export interface ShutdownOptions {
  logger: Logger;
  /** The whole sequence must finish within this; otherwise exit 1 naming the step that hung. */
  deadlineMs: number;
  /** In order: stop taking work → drain in-flight work → close connections → flush telemetry. */
  steps: ShutdownStep[];
  /** Defaults to `process.exit`; tests inject their own. */
  exit?: (code: number) => void;
  /** Defaults to SIGTERM and SIGINT. */
  signals?: NodeJS.Signals[];
}

export interface ShutdownControl {
  /** Starts the sequence (once; later calls return the same promise); resolves with the exit code. */
  shutdown(reason: string): Promise<number>;
  /** Removes the signal handlers (tests). */
  uninstall(): void;
}

/**
 * Graceful shutdown on SIGTERM/SIGINT: runs the steps in order and exits 0, or 1 when a step
 * failed or the deadline passed. A second signal while shutting down exits 1 at once,
 * so an operator pressing Ctrl-C twice is never stuck behind a hung drain.
 */
export function installShutdown(options: ShutdownOptions): ShutdownControl {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const logger = options.logger;
  let running: Promise<number> | undefined;
  let exited = false;

  const finish = (code: number): number => {
    if (!exited) {
      exited = true;
      exit(code);
    }
    return code;
  };

  const shutdown = (reason: string): Promise<number> => {
    if (running) return running;
    logger.info({ reason, deadlineMs: options.deadlineMs }, 'shutting down');
    let current: string | undefined;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<number>((resolve) => {
      timer = setTimeout(() => {
        logger.error({ step: current, deadlineMs: options.deadlineMs }, `shutdown deadline exceeded while running step "${current}"`);
        resolve(finish(1));
      }, options.deadlineMs);
    });
    const sequence = (async (): Promise<number> => {
      let code = 0;
      for (const step of options.steps) {
        current = step.name;
        logger.debug({ step: step.name }, 'shutdown step started');
        try {
          await step.run();
          logger.debug({ step: step.name }, 'shutdown step done');
        } catch (err) {
          // Keep going: later steps (closing connections, flushing) still matter.
          code = 1;
          logger.error({ step: step.name, err }, 'shutdown step failed');
        }
      }
      clearTimeout(timer);
      if (exited) return 1;
      logger.info({ code }, code === 0 ? 'shutdown complete' : 'shutdown complete with errors');
      return finish(code);
    })();
    running = Promise.race([sequence, deadline]);
    return running;
  };

  const onSignal = (signal: NodeJS.Signals): void => {
    if (running) {
      logger.warn({ signal }, 'second signal during shutdown: exiting now');
      finish(1);
      return;
    }
    void shutdown(signal);
  };
  for (const signal of signals) process.on(signal, onSignal);

  return {
    shutdown,
    uninstall() {
      for (const signal of signals) process.off(signal, onSignal);
    },
  };
}
