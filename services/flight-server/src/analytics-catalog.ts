import { FraiseqlError } from '@fraiseql/errors';
import { ANALYTICS_DATASETS, isAnalyticsDataset, type AnalyticsDatasetName } from '@fraiseql/clickhouse';
import { ipcStreamToFlightData } from '@fraiseql/flight';
import type { AuthenticatedCaller } from '@fraiseql/identity';
import type { AnalyticsSource } from './analytics-source';

/** An empty window (from = to): ClickHouse answers with the dataset's Schema message and no batch. */
const EMPTY_WINDOW = { from: '1970-01-01T00:00:00Z', to: '1970-01-01T00:00:00Z' } as const;
/** A schema is asked again after this long (a ClickHouse migration may change the columns). */
const SCHEMA_TTL_MS = 10 * 60_000;

/**
 * The analytics datasets (`analytics/<name>`, libs/clickhouse's ANALYTICS_DATASETS) and their Arrow schemas as
 * ClickHouse writes them: the first message of the dataset's ArrowStream over an empty window, kept as received
 * (the same bytes DoGet sends first), one probe per dataset at a time, cached for SCHEMA_TTL_MS.
 */
export class AnalyticsCatalog {
  private readonly schemas = new Map<AnalyticsDatasetName, { message: Promise<Uint8Array>; until: number }>();

  constructor(readonly source: AnalyticsSource) {}

  get names(): AnalyticsDatasetName[] {
    return Object.keys(ANALYTICS_DATASETS) as AnalyticsDatasetName[];
  }

  description(name: AnalyticsDatasetName): string {
    return ANALYTICS_DATASETS[name].description;
  }

  /** `name` when it is an analytics dataset; FRAISEQL_DATASET_NOT_FOUND naming the ones there are otherwise. */
  dataset(name: string): AnalyticsDatasetName {
    if (isAnalyticsDataset(name)) return name;
    throw new FraiseqlError(
      'FRAISEQL_DATASET_NOT_FOUND',
      `No analytics dataset "${name}" (there are ${this.names.map((n) => `analytics/${n}`).join(', ')}).`,
    );
  }

  /** The encapsulated Arrow Schema message (continuation, length, flatbuffer) of the dataset, as FlightInfo.schema wants it. */
  schemaMessage(name: AnalyticsDatasetName, caller: AuthenticatedCaller): Promise<Uint8Array> {
    const cached = this.schemas.get(name);
    if (cached && cached.until > Date.now()) return cached.message;
    const message = this.probe(name, caller);
    this.schemas.set(name, { message, until: Date.now() + SCHEMA_TTL_MS });
    // A failed probe is not remembered: the next call asks again.
    message.catch(() => this.schemas.delete(name));
    return message;
  }

  private async probe(name: AnalyticsDatasetName, caller: AuthenticatedCaller): Promise<Uint8Array> {
    for await (const frame of ipcStreamToFlightData(this.source.stream({ dataset: name, ...EMPTY_WINDOW }, caller))) {
      const message = new Uint8Array(8 + frame.dataHeader.byteLength);
      const view = new DataView(message.buffer);
      view.setUint32(0, 0xffffffff, true);
      view.setInt32(4, frame.dataHeader.byteLength, true);
      message.set(frame.dataHeader, 8);
      return message;
    }
    throw new FraiseqlError('FRAISEQL_INTERNAL', `ClickHouse answered analytics/${name} with no Arrow schema.`);
  }
}
