/** At most `limit` holders at once; `acquire` waits for a free slot. */
export class ConcurrencySlots {
  private used = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`concurrency must be a positive integer, got ${limit}`);
  }

  get inUse(): number {
    return this.used;
  }

  acquire(): Promise<void> {
    if (this.used < this.limit) {
      this.used++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.used--;
  }

  /** Resolves once no slot is held (or at once). */
  async idle(pollMs = 20): Promise<void> {
    while (this.used > 0) await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
