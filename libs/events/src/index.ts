export type { EntityEvent, JsonObject } from './entity-event';
export { decodeEntityEvent, encodeEntityEvent, validateEntityEvent } from './entity-event-codec';
export { changeLogRowToEvent } from './change-log-row-to-event';
export type { ChangeLogRow } from './change-log-row-to-event';
export { ENTITY_EVENT_ARROW_SCHEMA, entityEventsToRecordBatch, recordBatchToEntityEvents } from './entity-event-arrow';
