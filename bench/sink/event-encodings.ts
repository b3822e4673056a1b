import { RecordBatchStreamWriter } from 'apache-arrow';
import { entityEventsToRecordBatch, type EntityEvent } from '@fraiseql/events';

/**
 * JSONEachRow straight from the JetStream payloads: each message's bytes plus a newline, nothing decoded or
 * re-encoded. ClickHouse keeps `data`/`before` objects as their JSON text (String columns), reads the RFC 3339
 * timestamp with best_effort parsing, and stores a null org as ''.
 */
export const PASSTHROUGH_JSON_SETTINGS = { input_format_skip_unknown_fields: 1, date_time_input_format: 'best_effort' } as const;

export function passthroughJson(payloads: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const p of payloads) size += p.byteLength + 1;
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const p of payloads) {
    out.set(p, at);
    at += p.byteLength;
    out[at++] = 0x0a;
  }
  return out;
}

/** JSONEachRow built from decoded events, one JSON.stringify per row (what a sink does that re-shapes rows). */
export function reencodedJson(events: readonly EntityEvent[]): string {
  let out = '';
  for (const e of events) {
    out += JSON.stringify({
      event_id: e.event_id,
      seq: e.seq,
      event_type: e.event_type,
      entity_type: e.entity_type,
      entity_id: e.entity_id,
      org_id: e.org_id ?? '',
      user_id: e.user_id,
      timestamp: `${e.timestamp.slice(0, 10)} ${e.timestamp.slice(11, 26)}`,
      data: JSON.stringify(e.data),
      before: e.before === null ? null : JSON.stringify(e.before),
      changed_fields: e.changed_fields,
      schema_version: e.schema_version,
    });
    out += '\n';
  }
  return out;
}

/** ArrowStream through libs/events' ENTITY_EVENT_ARROW_SCHEMA (the columns' names are the table's). */
export function arrowStream(events: readonly EntityEvent[]): Uint8Array {
  const writer = new RecordBatchStreamWriter();
  writer.write(entityEventsToRecordBatch(events));
  writer.finish();
  return writer.toUint8Array(true);
}
