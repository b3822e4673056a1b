import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { isUuid } from '@fraiseql/identity';
import { GraphqlRequestError } from './graphql-request-error';

/**
 * Opaque, signed keyset cursors: `base64url(payload) "." base64url(HMAC-SHA256(key, payload))`
 * with payload = JSON `[1, fingerprint, key value as text | null, ..., id]`.
 *
 * PostgreSQL writes the cursors (one per edge, while it builds the JSON), so the HMAC is
 * computed in SQL with the built-in sha256() from the inner and outer pads of a key derived
 * from the secret: the secret itself never leaves Node, and no extension is needed. Node
 * only verifies.
 */
const PAYLOAD_VERSION = 1;
const MAX_CURSOR_LENGTH = 4096;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** SQL: a bytea as base64url text without padding. */
const sqlBase64Url = (bytes: string): string => `rtrim(translate(encode(${bytes}, 'base64'), E'+/\\n', '-_'), '=')`;

export class CursorCodec {
  private readonly key: Buffer;
  /** HMAC inner and outer pads of the derived key; bound as parameters of statements that emit cursors. */
  readonly innerPad: Buffer;
  readonly outerPad: Buffer;
  private readonly fingerprints = new Map<string, string>();

  constructor(
    secret: string | Buffer,
    private readonly schemaHash: string,
  ) {
    if (secret.length === 0) throw new Error('cursorSecret must not be empty');
    // A key of its own, so that a leaked pad (for instance in a statement log) reveals nothing else signed with the secret.
    this.key = createHmac('sha256', secret).update('fraiseql.cursor.v1').digest();
    const block = Buffer.alloc(64);
    this.key.copy(block);
    this.innerPad = Buffer.from(block.map((b) => b ^ 0x36));
    this.outerPad = Buffer.from(block.map((b) => b ^ 0x5c));
  }

  /** Binds a cursor to a query, its effective ordering and the schema version. */
  fingerprint(queryName: string, ordering: string): string {
    const source = `${queryName}\n${ordering}`;
    let fp = this.fingerprints.get(source);
    if (fp === undefined) {
      fp = createHash('sha256').update(`${source}\n${this.schemaHash}`).digest('base64url').slice(0, 16);
      if (this.fingerprints.size > 10_000) this.fingerprints.clear();
      this.fingerprints.set(source, fp);
    }
    return fp;
  }

  /** A cursor as SQL writes it (used by tests and tools; the planner's statements produce their own). */
  encode(fingerprint: string, values: ReadonlyArray<string | null>): string {
    const payload = Buffer.from(JSON.stringify([PAYLOAD_VERSION, fingerprint, ...values]), 'utf8');
    return `${payload.toString('base64url')}.${createHmac('sha256', this.key).update(payload).digest('base64url')}`;
  }

  /**
   * The sort key values and id of a cursor (keyCount values including the id), or a
   * request error: FRAISEQL_INVALID_CURSOR when it was not signed with this secret or is
   * malformed, FRAISEQL_STALE_CURSOR when it belongs to another query, ordering or schema.
   */
  decode(cursor: unknown, fingerprint: string, keyCount: number, argument: string): Array<string | null> {
    const invalid = (): GraphqlRequestError =>
      GraphqlRequestError.of('FRAISEQL_INVALID_CURSOR', `Argument "${argument}" is not a valid cursor. Start again without a cursor.`);
    if (typeof cursor !== 'string' || cursor.length > MAX_CURSOR_LENGTH) throw invalid();
    const dot = cursor.indexOf('.');
    if (dot <= 0 || dot !== cursor.lastIndexOf('.')) throw invalid();
    const body = cursor.slice(0, dot);
    const signature = cursor.slice(dot + 1);
    if (!BASE64URL.test(body) || !BASE64URL.test(signature)) throw invalid();
    const payload = Buffer.from(body, 'base64url');
    const given = Buffer.from(signature, 'base64url');
    const expected = createHmac('sha256', this.key).update(payload).digest();
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload.toString('utf8'));
    } catch {
      throw invalid();
    }
    if (!Array.isArray(parsed) || parsed[0] !== PAYLOAD_VERSION || typeof parsed[1] !== 'string') throw invalid();
    if (parsed[1] !== fingerprint) {
      throw GraphqlRequestError.of(
        'FRAISEQL_STALE_CURSOR',
        `Argument "${argument}" is a cursor for another ordering, query or schema version. Start again without a cursor.`,
      );
    }
    const values = parsed.slice(2) as unknown[];
    if (values.length !== keyCount || values.some((v) => v !== null && typeof v !== 'string')) throw invalid();
    const id = values[keyCount - 1];
    if (!isUuid(id)) throw invalid();
    return values as Array<string | null>;
  }

  /**
   * SQL for the cursor of a row whose sort key values (as text) are `valueTexts` (the id
   * last). `fp`, `innerPad`, `outerPad` are the $n numbers of the fingerprint and the pads.
   */
  static sqlCursor(valueTexts: readonly string[], fp: number, innerPad: number, outerPad: number): { lateral: string; cursor: string } {
    const payload = `convert_to(json_build_array(${PAYLOAD_VERSION}, $${fp}::text, ${valueTexts.join(', ')})::text, 'UTF8')`;
    const mac = `sha256($${outerPad}::bytea || sha256($${innerPad}::bytea || c.raw))`;
    return {
      lateral: `CROSS JOIN LATERAL (SELECT ${payload} AS raw) c`,
      cursor: `${sqlBase64Url('c.raw')} || '.' || ${sqlBase64Url(mac)}`,
    };
  }
}
