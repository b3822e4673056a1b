import { watch, watchFile, unwatchFile, type FSWatcher, type Stats } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { FraiseqlError } from '@fraiseql/errors';
import { SchemaSource, type SchemaSourceLogger } from './schema-source';

export interface FileSchemaSourceOptions {
  path: string;
  /** Interval of the stat poll that backs up fs.watch (network and container file systems miss events). Default 1000 ms. */
  pollIntervalMs?: number;
  logger?: SchemaSourceLogger;
}

/** Events of a burst (write + rename of an atomic replace) are merged into one reload. */
const SETTLE_MS = 30;

/**
 * A compiled schema file, reloaded when it changes. The directory is watched rather than
 * the file, so atomic replaces (write temp + rename, Kubernetes ConfigMap symlink swaps)
 * are seen; a stat poll backs the watcher up.
 */
export class FileSchemaSource extends SchemaSource {
  private readonly path: string;
  private readonly pollIntervalMs: number;
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private reloading: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly onPoll = (current: Stats, previous: Stats): void => {
    if (current.mtimeMs !== previous.mtimeMs || current.size !== previous.size || current.ino !== previous.ino) this.scheduleReload();
  };

  constructor(options: FileSchemaSourceOptions) {
    super(options.logger);
    this.path = resolve(options.path);
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
  }

  /** Loads the file; an unreadable or invalid file at start is an error (FRAISEQL_SCHEMA_INVALID). */
  async start(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      throw new FraiseqlError('FRAISEQL_SCHEMA_INVALID', `Cannot read the compiled schema ${this.path}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    this.offer(text, this.path);
    if (!this.current) throw new FraiseqlError('FRAISEQL_SCHEMA_INVALID', `The compiled schema ${this.path} is invalid (see the log)`);
    try {
      const name = basename(this.path);
      this.watcher = watch(dirname(this.path), (_event, changed) => {
        if (changed === null || changed === name || String(changed) === name) this.scheduleReload();
      });
      this.watcher.on('error', (error) => this.logger.warn({ err: error, path: this.path }, 'fs.watch failed; relying on polling'));
    } catch (error) {
      this.logger.warn({ err: error, path: this.path }, 'fs.watch is unavailable; relying on polling');
    }
    watchFile(this.path, { interval: this.pollIntervalMs, persistent: false }, this.onPoll);
  }

  /** Reads the file again now (also what a change triggers). Resolves when done. */
  reload(): Promise<void> {
    this.reloading = this.reloading.then(async () => {
      if (this.closed) return;
      try {
        this.offer(await readFile(this.path, 'utf8'), this.path);
      } catch (error) {
        // Mid-replace the file can be briefly missing; the next event or poll reloads it.
        this.logger.warn({ err: error, path: this.path }, 'Cannot read the compiled schema; keeping the current version');
      }
    });
    return this.reloading;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.watcher?.close();
    unwatchFile(this.path, this.onPoll);
    await this.reloading;
  }

  private scheduleReload(): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.reload();
    }, SETTLE_MS);
  }
}
