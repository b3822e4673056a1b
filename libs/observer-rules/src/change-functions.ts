import type { EntityEvent } from '@fraiseql/events';
import { jsonEqual, valueAtPath } from './json-path';

/**
 * `changed`, `changed_to` and `changed_from` (docs/observers.md, "Change functions"). An INSERT is a
 * change from an empty entity (every field null), a DELETE a change to an empty entity (`data` is the
 * entity before it). An UPDATE without `before` (entity without pre-images) knows only the top-level
 * keys in `changed_fields`: `changed('a.b')` is then true when `a` changed, and `changed_from` is false.
 */
interface Images {
  before: unknown;
  after: unknown;
  /** Whether `before` is the entity as it was (else only `changed_fields` is known). */
  beforeKnown: boolean;
}

const EMPTY = Object.freeze({});

function images(event: EntityEvent): Images {
  if (event.event_type === 'INSERT') return { before: EMPTY, after: event.data, beforeKnown: true };
  if (event.event_type === 'DELETE') return { before: event.data, after: EMPTY, beforeKnown: true };
  return { before: event.before, after: event.data, beforeKnown: event.before !== null && event.before !== undefined };
}

export function splitFieldPath(path: string): string[] {
  return path.split('.');
}

export function changed(event: EntityEvent, path: string): boolean {
  const segments = splitFieldPath(path);
  const { before, after, beforeKnown } = images(event);
  if (beforeKnown) return !jsonEqual(valueAtPath(before, segments), valueAtPath(after, segments));
  return Array.isArray(event.changed_fields) && event.changed_fields.includes(segments[0]);
}

export function changedTo(event: EntityEvent, path: string, value: unknown): boolean {
  return changed(event, path) && jsonEqual(valueAtPath(images(event).after, splitFieldPath(path)), value);
}

export function changedFrom(event: EntityEvent, path: string, value: unknown): boolean {
  const { before, beforeKnown } = images(event);
  return beforeKnown && changed(event, path) && jsonEqual(valueAtPath(before, splitFieldPath(path)), value);
}
