import { eventSubject } from '@fraiseql/nats-contract';
import type { EntityEvent } from './entity-event';

/** The subject an event is published on: `fraiseql.v1.events.<org>.<entity>.<op>`, tokens escaped. */
export function entityEventSubject(event: Pick<EntityEvent, 'org_id' | 'entity_type' | 'event_type'>): string {
  return eventSubject(event.org_id, event.entity_type, event.event_type);
}
