import type { ClickhouseExecutor, ClickhouseParams } from './clickhouse-executor';

const decoder = new TextDecoder();

/** A small result as objects (JSONEachRow; 64-bit integers arrive as strings). Not for large reads. */
export async function readJsonRows<T>(executor: ClickhouseExecutor, sql: string, params?: ClickhouseParams): Promise<T[]> {
  const text = decoder.decode(await executor.query(sql, params, 'JSONEachRow'));
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as T);
}
