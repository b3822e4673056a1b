import { createHash } from 'node:crypto';
import { z } from 'zod';

/** FRAISEQL_GRAPHQL_TRUSTED_DOCUMENTS: `off` (ids refused), `allow` (ids and any document), `strict` (registered documents only). */
export const TRUSTED_DOCUMENTS_MODES = ['off', 'allow', 'strict'] as const;
export type TrustedDocumentsMode = (typeof TRUSTED_DOCUMENTS_MODES)[number];

/** One operation of a trusted document, as listed by `fraiseql documents list`. */
export interface TrustedOperation {
  name: string | null;
  type: 'query' | 'mutation' | 'subscription';
}

/** The value of a FRAISEQL_DOCUMENTS entry; its key is `documentIdOf(document)`. */
export interface TrustedDocument {
  document: string;
  operations: TrustedOperation[];
  /** Where it was pushed from (a file, or a manifest entry). */
  source?: string;
  /** The compiled schema hash it was validated against. */
  schemaHash?: string;
  /** ISO 8601. */
  pushedAt: string;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** The id of a document: the sha256 of its exact UTF-8 text, lower-case hex (the KV key). */
export function documentIdOf(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * The sha256 hex of a document id as clients send it: `sha256:<hex>` (the `documentId` shape) or a bare
 * hex hash (Apollo's `persistedQuery.sha256Hash`); undefined for anything else.
 */
export function parseDocumentId(ref: string): string | undefined {
  const hex = (ref.startsWith('sha256:') ? ref.slice('sha256:'.length) : ref).toLowerCase();
  return SHA256_HEX.test(hex) ? hex : undefined;
}

const entrySchema = z.object({
  document: z.string().min(1),
  operations: z.array(z.object({ name: z.string().nullable(), type: z.enum(['query', 'mutation', 'subscription']) })),
  source: z.string().optional(),
  schemaHash: z.string().optional(),
  pushedAt: z.string(),
});

export function encodeTrustedDocument(entry: TrustedDocument): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(entry));
}

/** The entry stored under `id`, or undefined when it is malformed or its text does not hash to its key. */
export function decodeTrustedDocument(id: string, bytes: Uint8Array): TrustedDocument | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return undefined;
  }
  const result = entrySchema.safeParse(parsed);
  if (!result.success || documentIdOf(result.data.document) !== id) return undefined;
  const { source, schemaHash, ...rest } = result.data;
  return { ...rest, ...(source === undefined ? {} : { source }), ...(schemaHash === undefined ? {} : { schemaHash }) };
}
