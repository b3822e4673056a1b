import { FraiseqlError } from '@fraiseql/errors';

/** The GraphQL-over-HTTP request parameters. */
export interface GraphqlRequest {
  query: string;
  variables: Record<string, unknown> | null;
  operationName: string | null;
}

/**
 * The parameters as sent: the document, or a trusted document id (`documentId`, or Apollo's
 * `extensions.persistedQuery.sha256Hash`), or both; `TrustedDocuments.admit` settles the document.
 */
export interface IncomingGraphqlRequest extends Omit<GraphqlRequest, 'query'> {
  query?: string;
  /** As sent: `sha256:<hex>`, or the bare hex of a persisted query. */
  documentId?: string;
}

/** Reads the parameters of a POST body (already JSON-decoded) or a GET query string. */
export function readGraphqlRequest(method: string, source: unknown): IncomingGraphqlRequest {
  if (source === null || typeof source !== 'object' || Array.isArray(source))
    throw badRequest('The request must be a JSON object with a "query"');
  const params = source as Record<string, unknown>;
  const fromQueryString = method === 'GET';
  const query = params.query;
  const documentId = readDocumentId(params, fromQueryString);
  if (documentId === undefined || (query !== undefined && query !== null)) {
    if (typeof query !== 'string' || query.trim().length === 0) throw badRequest('The request has no "query"');
  }
  const operationName = params.operationName;
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string')
    throw badRequest('"operationName" must be a string');
  let variables = params.variables;
  if (fromQueryString && typeof variables === 'string') variables = parseJson(variables, 'variables');
  if (variables !== undefined && variables !== null && (typeof variables !== 'object' || Array.isArray(variables))) {
    throw badRequest('"variables" must be a JSON object');
  }
  return {
    ...(typeof query === 'string' ? { query } : {}),
    ...(documentId === undefined ? {} : { documentId }),
    variables: (variables as Record<string, unknown> | null | undefined) ?? null,
    operationName: operationName === '' ? null : ((operationName as string | null | undefined) ?? null),
  };
}

/** `documentId` (GraphQL-over-HTTP persisted documents), else `extensions.persistedQuery.sha256Hash` (Apollo's shape). */
function readDocumentId(params: Record<string, unknown>, fromQueryString: boolean): string | undefined {
  const { documentId } = params;
  if (documentId !== undefined && documentId !== null) {
    if (typeof documentId !== 'string') throw badRequest('"documentId" must be a string');
    return documentId;
  }
  let extensions = params.extensions;
  if (fromQueryString && typeof extensions === 'string') extensions = parseJson(extensions, 'extensions');
  if (extensions === undefined || extensions === null) return undefined;
  if (typeof extensions !== 'object' || Array.isArray(extensions)) throw badRequest('"extensions" must be a JSON object');
  const persisted = (extensions as Record<string, unknown>).persistedQuery;
  if (persisted === undefined || persisted === null) return undefined;
  const hash = typeof persisted === 'object' ? (persisted as Record<string, unknown>).sha256Hash : undefined;
  if (typeof hash !== 'string') throw badRequest('"extensions.persistedQuery.sha256Hash" must be a string');
  return hash;
}

function parseJson(text: string, name: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest(`"${name}" is not valid JSON`);
  }
}

function badRequest(message: string): FraiseqlError {
  return new FraiseqlError('FRAISEQL_BAD_REQUEST', message);
}
