import { buildGraphQLSchema, type CompiledSchema } from '@fraiseql/schema';
import { Kind, parse, validate, type GraphQLSchema } from 'graphql';
import type { TrustedOperation } from './trusted-document';

export type DocumentCheck = { ok: true; operations: TrustedOperation[] } | { ok: false; problems: string[] };

/**
 * Whether a document may be registered as trusted: it parses, validates against the compiled schema
 * (the same graphql-js rules the planner applies) and names each of several operations.
 */
export function checkDocument(schema: GraphQLSchema, text: string): DocumentCheck {
  let document;
  try {
    document = parse(text);
  } catch (error) {
    return { ok: false, problems: [(error as Error).message] };
  }
  const errors = validate(schema, document);
  if (errors.length > 0) return { ok: false, problems: errors.map((e) => e.message) };
  const operations: TrustedOperation[] = [];
  for (const def of document.definitions) {
    if (def.kind === Kind.OPERATION_DEFINITION) operations.push({ name: def.name?.value ?? null, type: def.operation });
  }
  if (operations.length === 0) return { ok: false, problems: ['the document has no operation'] };
  return { ok: true, operations };
}

/** The executable schema documents are checked against (built once per compiled schema). */
export function documentCheckSchema(compiled: CompiledSchema): GraphQLSchema {
  return buildGraphQLSchema(compiled);
}
