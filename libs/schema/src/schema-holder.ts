import { FraiseqlError } from '@fraiseql/errors';

/**
 * The schema version a service answers with. A request reads `current` once when it
 * starts and keeps that reference, so a `swap()` between requests never changes the
 * version under a request already in flight; the old version is collected when the
 * last such request ends. `T` is usually the compiled schema plus what the service
 * derives from it (GraphQL schema, plan cache), swapped together.
 */
export class SchemaHolder<T> {
  private value: T | undefined;
  private version = 0;

  constructor(initial?: T) {
    this.value = initial;
    if (initial !== undefined) this.version = 1;
  }

  /** The active value; FRAISEQL_SCHEMA_UNAVAILABLE while none has been loaded yet. */
  get current(): T {
    if (this.value === undefined) throw new FraiseqlError('FRAISEQL_SCHEMA_UNAVAILABLE', 'No compiled schema is loaded yet');
    return this.value;
  }

  get loaded(): boolean {
    return this.value !== undefined;
  }

  /** How many values have been installed (0 before the first): cheap change detection. */
  get generation(): number {
    return this.version;
  }

  /** Installs a new value for requests that start from now on; returns the previous one. */
  swap(next: T): T | undefined {
    const previous = this.value;
    this.value = next;
    this.version += 1;
    return previous;
  }
}
