/** A JSON object as PostgreSQL's `jsonb` holds it. */
export type JsonObject = { [key: string]: unknown };

/**
 * EntityEvent v1 (docs/architecture.md, "The event"): one committed change of one entity, as published on
 * `fraiseql.v1.events.<org>.<entity>.<op>` with `Nats-Msg-Id` = `event_id`.
 * Field names are snake_case on the wire and here, so a payload and its type read the same.
 */
export interface EntityEvent {
  /** UUID v7 (time-ordered): the idempotency key of every consumer. */
  event_id: string;
  /**
   * The change log's sequence (int64 in PostgreSQL), as a JSON number. Decoders refuse
   * values beyond 2^53 − 1; at a million events a second that is reached after 285 years.
   */
  seq: number;
  /** `INSERT` | `UPDATE` | `DELETE`, or a custom event name. */
  event_type: string;
  /** GraphQL type name, e.g. `Order`. */
  entity_type: string;
  entity_id: string;
  /** Tenant; null for entities without an org (subject token `_`). */
  org_id: string | null;
  /** Who caused the change; null for writes that bypassed the executor. */
  user_id: string | null;
  /** Commit time: RFC 3339, UTC, exactly six fractional digits (`2024-03-01T09:05:00.123456Z`). */
  timestamp: string;
  /** The entity after the change (before it, for DELETE). */
  data: JsonObject;
  /** The entity before an UPDATE, when the entity asks for pre-images; else null. */
  before: JsonObject | null;
  /** Top-level keys of `data` that changed (UPDATE); empty otherwise. */
  changed_fields: string[];
  /** Hash of the compiled schema the writer ran; null for writes that bypassed the executor. */
  schema_version: string | null;
}
