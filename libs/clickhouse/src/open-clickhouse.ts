import type { ClickhouseExecutor } from './clickhouse-executor';
import { EmbeddedClickhouse, type EmbeddedClickhouseOptions } from './embedded-clickhouse';
import { HttpClickhouse, type HttpClickhouseOptions } from './http-clickhouse';

/** A server when `url` is given, else the embedded engine in `path`. */
export type OpenClickhouseOptions = ({ url: string } & HttpClickhouseOptions) | ({ url?: undefined } & EmbeddedClickhouseOptions);

/** The sink's choice in one place: CLICKHOUSE_URL configured → HttpClickhouse, else EmbeddedClickhouse under .data/. */
export async function openClickhouse(options: OpenClickhouseOptions): Promise<ClickhouseExecutor> {
  if (options.url !== undefined) return new HttpClickhouse(options);
  return EmbeddedClickhouse.open(options);
}
