import type { RecordBatch } from 'apache-arrow';
import { FraiseqlError } from '@fraiseql/errors';

/**
 * FRAISEQL_FLIGHT_MAX_ROWS_PER_TICKET for one DoGet: the stream is cut at the limit, never refused up front (row
 * estimates are PostgreSQL statistics, too rough to refuse on). The first `maxRows` rows are sent, then the stream
 * ends with FRAISEQL_ROW_LIMIT_EXCEEDED (RESOURCE_EXHAUSTED), so a reader cannot take a cut result for a whole one.
 */
export class TicketRowBudget {
  private sent = 0;
  private cut = false;

  /** `maxRows` 0 = no limit; `onExceeded` counts the refusal (metric, audit hook). */
  constructor(
    private readonly maxRows: number,
    private readonly onExceeded: () => void = () => undefined,
  ) {}

  /**
   * The batches within the budget, the one crossing the limit cut to its first rows. Then `stop` is called and what
   * the source still yields is dropped until it ends — a cancelled COPY ends with its cancel error, expected then —
   * so the connection goes back to the pool clean. After the stream's frames are written, `throwIfCut` ends it.
   */
  async *within(batches: AsyncIterable<RecordBatch>, stop: () => void): AsyncGenerator<RecordBatch, void, undefined> {
    try {
      for await (const batch of batches) {
        if (this.cut) continue;
        yield this.admit(batch);
        if (this.cut) stop();
      }
    } catch (error) {
      if (!this.cut) throw error;
    }
  }

  /** The part of `batch` within the budget: the batch itself, or its first rows when it crosses the limit. */
  admit(batch: RecordBatch): RecordBatch {
    if (this.maxRows === 0 || this.sent + batch.numRows <= this.maxRows) {
      this.sent += batch.numRows;
      return batch;
    }
    const left = this.maxRows - this.sent;
    this.sent = this.maxRows;
    this.cut = true;
    return batch.slice(0, left);
  }

  /** After the stream's frames are written: a cut stream ends with FRAISEQL_ROW_LIMIT_EXCEEDED, not as a whole result. */
  throwIfCut(): void {
    if (this.cut) throw this.exceeded();
  }

  /** For frames passed through whole (analytics): the frame that would cross the limit is not sent; this throws. */
  count(rows: number): void {
    if (this.maxRows > 0 && this.sent + rows > this.maxRows) throw this.exceeded();
    this.sent += rows;
  }

  /** The error that ends a stream cut at the limit (counted once per stream). */
  exceeded(): FraiseqlError {
    this.onExceeded();
    return new FraiseqlError(
      'FRAISEQL_ROW_LIMIT_EXCEEDED',
      `This ticket has more than ${this.maxRows} rows (FRAISEQL_FLIGHT_MAX_ROWS_PER_TICKET): the first ${this.maxRows} were sent. Ask for fewer rows (a filter, more partitions, a smaller range).`,
      { details: { limit: this.maxRows } },
    );
  }
}
