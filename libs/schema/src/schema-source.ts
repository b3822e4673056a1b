import { EventEmitter } from 'node:events';
import type { FraiseqlError } from '@fraiseql/errors';
import { toFraiseqlError } from '@fraiseql/errors';
import type { CompiledSchema } from './compiled-schema';
import { loadCompiledSchema } from './load-compiled-schema';

/** The part of a pino logger a schema source uses. */
export interface SchemaSourceLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

const SILENT: SchemaSourceLogger = { info: () => undefined, warn: () => undefined };

export interface SchemaSourceEvents {
  /** A new valid version (different hash) became current. */
  change: [schema: CompiledSchema];
  /** A new version was invalid and ignored; `current` is unchanged. */
  rejected: [error: FraiseqlError];
}

/**
 * Where a service gets its compiled schema from, kept up to date: emits `change` with each
 * new valid version and `rejected` (after logging) for an invalid one, keeping the old.
 */
export abstract class SchemaSource extends EventEmitter<SchemaSourceEvents> {
  private schema: CompiledSchema | undefined;
  protected readonly logger: SchemaSourceLogger;

  protected constructor(logger: SchemaSourceLogger | undefined) {
    super();
    this.logger = logger ?? SILENT;
  }

  /** The current valid schema, or undefined before the first one arrived. */
  get current(): CompiledSchema | undefined {
    return this.schema;
  }

  /** Loads the initial version and starts watching for new ones. */
  abstract start(): Promise<void>;

  /** Stops watching. */
  abstract close(): Promise<void>;

  /** Validates a candidate version and makes it current, or rejects it. Returns whether it became current. */
  protected offer(raw: string | Uint8Array, origin: string): boolean {
    let next: CompiledSchema;
    try {
      next = loadCompiledSchema(raw);
    } catch (error) {
      const rejected = toFraiseqlError(error);
      this.logger.warn(
        { err: rejected, origin, keptHash: this.schema?.hash },
        'Ignored an invalid compiled schema; keeping the current version',
      );
      this.emit('rejected', rejected);
      return false;
    }
    if (next.hash === this.schema?.hash) return false;
    const previousHash = this.schema?.hash;
    this.schema = next;
    this.logger.info({ origin, hash: next.hash, previousHash }, 'Compiled schema loaded');
    this.emit('change', next);
    return true;
  }
}
