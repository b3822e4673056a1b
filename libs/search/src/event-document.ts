import { validateEntityEvent, type EntityEvent, type JsonObject } from '@fraiseql/events';
import { escapeHtml } from './search-highlights';
import type { SearchRejection } from './search-rejection';

/** One event as the index statement takes it: every value checked, so PostgreSQL has no reason to refuse it. */
export interface EventDocument {
  eventId: string;
  orgId: string | null;
  entityType: string;
  entityId: string;
  eventType: string;
  seq: number;
  timestamp: string;
  /** `data` as JSON text. */
  dataJson: string;
  /** The indexed text (see `extractSearchText`). */
  body: string;
}

export interface TextLimits {
  maxTextFields: number;
  maxTextBytes: number;
  maxDocumentBytes: number;
}

/** Identifier fields are keys of btree indexes (a row of one holds at most 2704 bytes): 3 of them must fit. */
const MAX_IDENTIFIER_BYTES = 512;

/** A NUL or a UTF-16 surrogate without its pair: PostgreSQL's text and jsonb hold neither. */
// eslint-disable-next-line no-control-regex
const UNSUPPORTED_TEXT = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/**
 * The same in JSON.stringify's output, which escapes exactly those as `\u0000` and `\udXXX` (a paired surrogate is
 * written as is): an escape preceded by an even number of backslashes (an odd one would make it literal text).
 */
const UNSUPPORTED_JSON_ESCAPE = /(?<!\\)(?:\\\\)*\\u(?:0000|d[89a-f][0-9a-f]{2})/;
/** Control characters become spaces in the indexed text (the highlight markers are control characters). */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]+/g;

/** Validates one event and builds its document, or says why the store refuses it for good. */
export function toEventDocument(input: EntityEvent, limits: TextLimits): EventDocument | SearchRejection {
  const eventId = typeof (input as { event_id?: unknown })?.event_id === 'string' ? input.event_id : '';
  let event: EntityEvent;
  try {
    event = validateEntityEvent(input);
  } catch (error) {
    return { eventId, code: 'SEARCH_EVENT_INVALID', message: error instanceof Error ? error.message : String(error) };
  }
  for (const field of ['org_id', 'entity_type', 'entity_id', 'event_type'] as const) {
    const value = event[field];
    if (value === null) continue;
    if (value.length > MAX_IDENTIFIER_BYTES / 3 && Buffer.byteLength(value) > MAX_IDENTIFIER_BYTES) {
      return { eventId, code: 'SEARCH_EVENT_INVALID', message: `field ${field} is longer than ${MAX_IDENTIFIER_BYTES} bytes` };
    }
    if (UNSUPPORTED_TEXT.test(value)) {
      return { eventId, code: 'SEARCH_TEXT_UNSUPPORTED', message: `field ${field} holds a NUL character or an unpaired surrogate` };
    }
  }
  let dataJson: string;
  try {
    dataJson = JSON.stringify(event.data);
  } catch (error) {
    // A RangeError: nested deeper than the stack allows (PostgreSQL's JSON parser would refuse it too).
    return {
      eventId,
      code: 'SEARCH_EVENT_INVALID',
      message: `data cannot be serialised: ${error instanceof Error ? error.message : error}`,
    };
  }
  const bytes = Buffer.byteLength(dataJson);
  if (bytes > limits.maxDocumentBytes) {
    return {
      eventId,
      code: 'SEARCH_DOCUMENT_TOO_LARGE',
      message: `data is ${bytes} bytes of JSON, more than the store's maxDocumentBytes (${limits.maxDocumentBytes})`,
    };
  }
  // JSON.stringify writes every other character as is: no `\u`, nothing to look for.
  if (dataJson.includes('\\u') && UNSUPPORTED_JSON_ESCAPE.test(dataJson)) {
    return { eventId, code: 'SEARCH_TEXT_UNSUPPORTED', message: 'data holds a NUL character (\\u0000) or an unpaired surrogate' };
  }
  return {
    eventId: event.event_id.toLowerCase(),
    orgId: event.org_id,
    entityType: event.entity_type,
    entityId: event.entity_id,
    eventType: event.event_type,
    seq: event.seq,
    timestamp: event.timestamp,
    dataJson,
    body: extractSearchText(event.data, limits),
  };
}

export function isRejection(value: EventDocument | SearchRejection): value is SearchRejection {
  return 'code' in value;
}

/**
 * The text of a document: its string and number values in document order (depth first; keys and booleans are
 * not text), each HTML-escaped, one per line, at most `maxTextFields` values and `maxTextBytes` bytes.
 * Escaped before PostgreSQL parses it, so its parser never takes stored text for markup, and ts_headline's
 * fragments are escaped text already.
 */
export function extractSearchText(data: JsonObject, limits: Pick<TextLimits, 'maxTextFields' | 'maxTextBytes'>): string {
  const lines: string[] = [];
  let bytes = 0;
  const pending: unknown[] = [data];
  while (pending.length > 0 && lines.length < limits.maxTextFields) {
    const value = pending.pop();
    let text: string;
    if (typeof value === 'string') text = value;
    else if (typeof value === 'number') text = String(value);
    else if (typeof value === 'object' && value !== null) {
      const children = Array.isArray(value) ? value : Object.values(value);
      for (let i = children.length - 1; i >= 0; i--) pending.push(children[i]);
      continue;
    } else continue;
    const line = toSearchLine(text);
    if (line === '') continue;
    const separator = lines.length > 0 ? 1 : 0;
    const size = Buffer.byteLength(line);
    if (bytes + separator + size > limits.maxTextBytes) {
      const rest = truncateUtf8(line, limits.maxTextBytes - bytes - separator);
      if (rest !== '') lines.push(rest);
      break;
    }
    lines.push(line);
    bytes += separator + size;
  }
  return lines.join('\n');
}

// eslint-disable-next-line no-control-regex
const NEEDS_CLEANING = /[\u0000-\u001f\u007f&<>"']|^\s|\s$/;

function toSearchLine(text: string): string {
  if (!NEEDS_CLEANING.test(text)) return text;
  return escapeHtml(text.replace(CONTROL_CHARACTERS, ' ').trim());
}

/** The longest prefix of escaped text within `maxBytes` bytes: no split character, no split `&entity;`. */
function truncateUtf8(text: string, maxBytes: number): string {
  if (maxBytes <= 0) return '';
  const prefix = Buffer.from(text, 'utf8').subarray(0, maxBytes).toString('utf8');
  return prefix.replace(/\uFFFD$/, '').replace(/&[#a-z0-9]*$/, '');
}
