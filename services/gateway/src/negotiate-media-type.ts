/** The two response media types of GraphQL over HTTP. */
export type GraphqlMediaType = 'application/graphql-response+json' | 'application/json';

/**
 * `application/graphql-response+json` when the client lists it (before or without
 * application/json at a higher q), else the legacy `application/json`.
 */
export function negotiateMediaType(accept: string | undefined): GraphqlMediaType {
  if (!accept) return 'application/json';
  let best: { type: GraphqlMediaType; q: number } | undefined;
  for (const part of accept.split(',')) {
    const [type, ...params] = part.trim().toLowerCase().split(';');
    if (type !== 'application/graphql-response+json' && type !== 'application/json') continue;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!Number.isFinite(q) || q <= 0) continue;
    if (!best || q > best.q) best = { type, q };
  }
  return best?.type ?? 'application/json';
}
