import { FraiseqlError } from '@fraiseql/errors';
import { decodeTrustedDocument, documentIdOf, parseDocumentId, type TrustedDocumentsMode } from '@fraiseql/graphql-runtime';
import { openDocumentsBucket } from '@fraiseql/nats-contract';
import { GraphqlRequestError } from '@fraiseql/query-planner';
import type { Logger } from '@fraiseql/service-kit';
import type { KvEntry, NatsConnection, QueuedIterator } from 'nats';
import type { GraphqlRequest, IncomingGraphqlRequest } from './graphql-request';

export interface TrustedDocumentsOptions {
  /** FRAISEQL_GRAPHQL_TRUSTED_DOCUMENTS. */
  mode: TrustedDocumentsMode;
  logger: Logger;
}

/**
 * The allow-list of persisted operations (KV FRAISEQL_DOCUMENTS, key = sha256 hex of the text),
 * followed with a KV watch so a pushed or removed document counts at once, and the admission rule
 * of each mode (docs/adr/0134-trusted-documents-and-limits.md):
 * - `off`: the bucket is not read; a request naming only an id is refused (FRAISEQL_DOCUMENT_NOT_FOUND);
 * - `allow`: an id runs its document; any full document runs too;
 * - `strict`: only registered documents run, by id or by their exact text (FRAISEQL_DOCUMENT_NOT_TRUSTED).
 */
export class TrustedDocuments {
  private readonly documents = new Map<string, string>();
  private watcher: QueuedIterator<KvEntry> | undefined;
  private following: Promise<void> | undefined;

  constructor(private readonly options: TrustedDocumentsOptions) {}

  get mode(): TrustedDocumentsMode {
    return this.options.mode;
  }

  /** Documents known now. */
  get size(): number {
    return this.documents.size;
  }

  /** Opens the bucket (created if missing) and resolves once every document present at start is loaded; a no-op when `off`. */
  async start(nc: NatsConnection): Promise<void> {
    if (this.options.mode === 'off') return;
    const kv = await openDocumentsBucket(nc);
    let initialized!: () => void;
    const loaded = new Promise<void>((resolve) => (initialized = resolve));
    const watcher = await kv.watch({ initializedFn: () => initialized() });
    this.watcher = watcher;
    this.following = (async () => {
      for await (const entry of watcher) this.apply(entry);
    })();
    await loaded;
    this.options.logger.info({ documents: this.documents.size, mode: this.options.mode }, 'trusted documents loaded');
  }

  private apply(entry: KvEntry): void {
    if (entry.operation !== 'PUT') {
      this.documents.delete(entry.key);
      return;
    }
    const document = decodeTrustedDocument(entry.key, entry.value);
    if (document) this.documents.set(entry.key, document.document);
    else {
      this.documents.delete(entry.key);
      this.options.logger.warn({ key: entry.key, revision: entry.revision }, 'ignored a malformed trusted document entry');
    }
  }

  /**
   * The request with the document it may run: an id replaced by its registered text, a full document
   * checked against the allow-list in strict mode. Throws when the mode refuses it.
   */
  admit(request: IncomingGraphqlRequest): GraphqlRequest {
    const { mode } = this.options;
    if (request.documentId === undefined) {
      if (request.query === undefined) throw new FraiseqlError('FRAISEQL_BAD_REQUEST', 'The request has no "query" and no "documentId"');
      if (mode === 'strict' && !this.documents.has(documentIdOf(request.query)))
        throw notTrusted('This document is not a trusted document');
      return sendable(request, request.query);
    }
    const id = parseDocumentId(request.documentId);
    if (id === undefined) throw new FraiseqlError('FRAISEQL_BAD_REQUEST', 'A document id is "sha256:" followed by 64 hex digits');
    if (request.query !== undefined) {
      // Apollo's persisted-query shape may send both: the text must be the one the id names.
      if (documentIdOf(request.query) !== id) throw new FraiseqlError('FRAISEQL_BAD_REQUEST', 'The query does not match its sha256 hash');
      if (mode === 'strict' && !this.documents.has(id)) throw notTrusted(`No trusted document has the id sha256:${id}`);
      return sendable(request, request.query);
    }
    const text = mode === 'off' ? undefined : this.documents.get(id);
    if (text !== undefined) return sendable(request, text);
    if (mode === 'strict') throw notTrusted(`No trusted document has the id sha256:${id}`);
    // A document problem, not a transport one: Apollo clients then resend the full text.
    throw GraphqlRequestError.of(
      'FRAISEQL_DOCUMENT_NOT_FOUND',
      mode === 'off' ? 'Trusted documents are off: send the full "query"' : `No trusted document has the id sha256:${id}`,
      { documentId: `sha256:${id}` },
    );
  }

  /** Whether a document text may run (subscriptions over WebSocket, which always carry the text). */
  admitsText(text: string): boolean {
    return this.options.mode !== 'strict' || this.documents.has(documentIdOf(text));
  }

  async close(): Promise<void> {
    this.watcher?.stop();
    await this.following;
  }
}

/** What the executor is sent: the document text, never the id. */
function sendable(request: IncomingGraphqlRequest, query: string): GraphqlRequest {
  return { query, variables: request.variables, operationName: request.operationName };
}

function notTrusted(message: string): FraiseqlError {
  return new FraiseqlError('FRAISEQL_DOCUMENT_NOT_TRUSTED', `${message}; this gateway runs trusted documents only`);
}
