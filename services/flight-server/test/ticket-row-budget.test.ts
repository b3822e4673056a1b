import { tableFromArrays, type RecordBatch } from 'apache-arrow';
import { FraiseqlError } from '@fraiseql/errors';
import { TicketRowBudget } from '../src/ticket-row-budget';

// The per-ticket row bound on its own: which rows pass, when the source is told to stop, and which errors end the stream.

function batchOf(from: number, rows: number): RecordBatch {
  return tableFromArrays({ n: Int32Array.from({ length: rows }, (_, i) => from + i) }).batches[0]!;
}

/** A source of `count` batches of `size` rows that, once stopped, fails as a cancelled COPY does. */
function source(count: number, size: number, stopped: () => boolean): AsyncIterable<RecordBatch> {
  return (async function* () {
    for (let i = 0; i < count; i++) {
      if (stopped()) throw new Error('canceling statement due to user request');
      yield batchOf(i * size, size);
    }
  })();
}

async function collect(iterable: AsyncIterable<RecordBatch>): Promise<number[]> {
  const values: number[] = [];
  for await (const batch of iterable) values.push(...Array.from(batch.getChild('n')!.toArray() as Int32Array));
  return values;
}

describe('TicketRowBudget', () => {
  it('passes the first rows up to the limit, slicing the crossing batch, stops the source, and ends with FRAISEQL_ROW_LIMIT_EXCEEDED', async () => {
    let stops = 0;
    let refusals = 0;
    const budget = new TicketRowBudget(25, () => refusals++);
    const values = await collect(
      budget.within(
        source(10, 10, () => stops > 0),
        () => stops++,
      ),
    );
    expect(values).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(stops).toBe(1);
    expect(() => budget.throwIfCut()).toThrow(FraiseqlError);
    expect(refusals).toBe(1);
  });

  it('lets a result of exactly the limit through whole, and keeps a failure of the source before the cut', async () => {
    const exact = new TicketRowBudget(30);
    expect(
      await collect(
        exact.within(
          source(3, 10, () => false),
          () => undefined,
        ),
      ),
    ).toHaveLength(30);
    expect(() => exact.throwIfCut()).not.toThrow();
    const failing = new TicketRowBudget(100);
    const broken = (async function* () {
      yield batchOf(0, 10);
      throw new Error('connection lost');
    })();
    await expect(collect(failing.within(broken, () => undefined))).rejects.toThrow('connection lost');
  });

  it('refuses a passed-through frame that would cross the limit before it is sent, and 0 means no limit', () => {
    const budget = new TicketRowBudget(100);
    budget.count(60);
    budget.count(40);
    expect(() => budget.count(1)).toThrow(expect.objectContaining({ code: 'FRAISEQL_ROW_LIMIT_EXCEEDED' }));
    const unlimited = new TicketRowBudget(0);
    unlimited.count(1_000_000_000);
    expect(() => unlimited.throwIfCut()).not.toThrow();
  });
});
