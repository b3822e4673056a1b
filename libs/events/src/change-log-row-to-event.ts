import type { EntityEvent, JsonObject } from './entity-event';
import { validateEntityEvent } from './entity-event-codec';

/**
 * A row of `fraiseql.tb_entity_change_log` as the relay and tests select it. `timestamp` is
 * `fraiseql.to_iso8601(created_at)`: formatted by PostgreSQL, because a JS Date would drop the
 * microseconds. `seq` arrives as text (node-postgres returns bigint as a string).
 */
export interface ChangeLogRow {
  seq: string | number;
  event_id: string;
  org_id: string | null;
  user_id: string | null;
  entity_type: string;
  entity_id: string;
  event_type: string;
  data: JsonObject;
  before: JsonObject | null;
  changed_fields: string[];
  schema_version: string | null;
  timestamp: string;
}

/** The event a change-log row becomes (validated: a row that cannot be an event throws FRAISEQL_BAD_MESSAGE). */
export function changeLogRowToEvent(row: ChangeLogRow): EntityEvent {
  return validateEntityEvent({
    event_id: row.event_id,
    seq: typeof row.seq === 'string' ? Number(row.seq) : row.seq,
    event_type: row.event_type,
    entity_type: row.entity_type,
    entity_id: row.entity_id,
    org_id: row.org_id,
    user_id: row.user_id,
    timestamp: row.timestamp,
    data: row.data,
    before: row.before,
    changed_fields: row.changed_fields,
    schema_version: row.schema_version,
  });
}
