import { FraiseqlError } from '@fraiseql/errors';

/**
 * The bound on concurrent streams (DoGet, DoPut, refresh): a slot is taken when a stream starts
 * and held until it ends, fails or is cancelled. One stream more is refused at once
 * (FRAISEQL_OVERLOADED → RESOURCE_EXHAUSTED): bulk streams are long, queueing them would only
 * hide the overload.
 */
export class StreamSlots {
  private held = 0;

  constructor(
    readonly capacity: number,
    private readonly onChange: (held: number) => void = () => undefined,
  ) {}

  get inUse(): number {
    return this.held;
  }

  /** Takes a slot; the returned function gives it back (once, however often it is called). */
  acquire(): () => void {
    if (this.held >= this.capacity) {
      throw new FraiseqlError(
        'FRAISEQL_OVERLOADED',
        `The Flight server is already serving ${this.capacity} streams (FRAISEQL_FLIGHT_MAX_CONCURRENT_STREAMS); retry shortly.`,
        {
          details: { limit: this.capacity },
        },
      );
    }
    this.held += 1;
    this.onChange(this.held);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.held -= 1;
      this.onChange(this.held);
    };
  }
}
