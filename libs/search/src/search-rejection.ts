/**
 * Codes of `IndexOutcome.rejected` (domain codes of the dead letter, docs/search.md): an event the store refuses
 * for good. Retrying cannot help; the sink dead-letters it and goes on with the rest of the batch.
 */
export const SEARCH_REJECTION_CODES = {
  /**
   * Not a valid EntityEvent v1 (a field missing or of the wrong type), an identifier field (org, entity type or id,
   * event type) over 512 bytes, or `data` nested too deeply to serialise.
   */
  SEARCH_EVENT_INVALID: 'SEARCH_EVENT_INVALID',
  /** Text the store cannot hold: a NUL character (\u0000) or an unpaired UTF-16 surrogate, in `data` or an identifier. */
  SEARCH_TEXT_UNSUPPORTED: 'SEARCH_TEXT_UNSUPPORTED',
  /** `data` is larger than the store's maxDocumentBytes. */
  SEARCH_DOCUMENT_TOO_LARGE: 'SEARCH_DOCUMENT_TOO_LARGE',
  /** PostgreSQL refused the event when writing it (data exception, constraint or size limit); the message says which. */
  SEARCH_EVENT_REFUSED: 'SEARCH_EVENT_REFUSED',
} as const;

export type SearchRejectionCode = keyof typeof SEARCH_REJECTION_CODES;

export interface SearchRejection {
  eventId: string;
  code: SearchRejectionCode;
  message: string;
}
