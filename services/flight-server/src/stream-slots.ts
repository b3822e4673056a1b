import { FraiseqlError, RetryableError } from '@fraiseql/errors';
import type { Caller } from '@fraiseql/identity';

/** Retry hint of a principal over its own stream bound: its streams end at their own pace, so this is only a pause. */
const PRINCIPAL_RETRY_MS = 1000;

export interface StreamSlotsOptions {
  /** FRAISEQL_FLIGHT_MAX_STREAMS_PER_PRINCIPAL: streams one principal may hold at once on this server; 0 = no bound. */
  perPrincipal?: number;
  /** Called with the held count whenever it changes (the active-streams gauge). */
  onChange?: (held: number) => void;
  /** Called when a principal is refused for holding its own bound (the rate-limit metric and audit hook). */
  onPrincipalRefused?: (caller: Caller, key: string) => void;
}

/**
 * The bounds on concurrent streams (DoGet, DoPut, refresh): a slot is taken when a stream starts
 * and held until it ends, fails or is cancelled. One stream more is refused at once — over the
 * principal's own bound with FRAISEQL_STREAM_LIMIT_EXCEEDED, over the server's with FRAISEQL_OVERLOADED
 * (both RESOURCE_EXHAUSTED): bulk streams are long, queueing them would only hide the overload.
 * The per-principal bound is per replica (docs/adr/0133-rate-limits.md).
 */
export class StreamSlots {
  private held = 0;
  private readonly byPrincipal = new Map<string, number>();
  private readonly options: StreamSlotsOptions;

  constructor(
    readonly capacity: number,
    options: StreamSlotsOptions | ((held: number) => void) = {},
  ) {
    this.options = typeof options === 'function' ? { onChange: options } : options;
  }

  get inUse(): number {
    return this.held;
  }

  /** Streams `caller` holds now. */
  heldBy(caller: Caller): number {
    return this.byPrincipal.get(principalKey(caller)) ?? 0;
  }

  /** Takes a slot (for `caller`, when given); the returned function gives it back (once, however often it is called). */
  acquire(caller?: Caller): () => void {
    const perPrincipal = this.options.perPrincipal ?? 0;
    const key = caller ? principalKey(caller) : undefined;
    const own = key === undefined ? 0 : (this.byPrincipal.get(key) ?? 0);
    if (key !== undefined && perPrincipal > 0 && own >= perPrincipal) {
      this.options.onPrincipalRefused?.(caller!, key);
      throw new RetryableError(
        'FRAISEQL_STREAM_LIMIT_EXCEEDED',
        `This principal already has ${perPrincipal} streams open on this server (FRAISEQL_FLIGHT_MAX_STREAMS_PER_PRINCIPAL); finish or cancel one first.`,
        PRINCIPAL_RETRY_MS,
        { details: { limit: perPrincipal, scope: 'principal' } },
      );
    }
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
    if (key !== undefined) this.byPrincipal.set(key, own + 1);
    this.options.onChange?.(this.held);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.held -= 1;
      if (key !== undefined) {
        const left = (this.byPrincipal.get(key) ?? 1) - 1;
        if (left > 0) this.byPrincipal.set(key, left);
        else this.byPrincipal.delete(key);
      }
      this.options.onChange?.(this.held);
    };
  }
}

/** A principal is a subject within its org (an API key's subject is `apikey:<id>`). */
function principalKey(caller: Caller): string {
  return `${caller.orgId ?? '-'}:${caller.subject ?? ''}`;
}
