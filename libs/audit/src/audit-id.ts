import { v7 as uuidv7 } from 'uuid';

/**
 * A UUID v7 (RFC 9562 §5.7, the `uuid` package): Unix milliseconds first, so ids of entries made later sort after earlier
 * ones — the same kind of id as the change log's event ids, which the audit entry's EntityEvent envelope carries.
 */
export function newAuditId(now: number = Date.now()): string {
  return uuidv7({ msecs: now });
}
