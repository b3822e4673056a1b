import { buildSchema, type GraphQLSchema } from 'graphql';
import type { CompiledSchema } from './compiled-schema';
import { attachScalars } from './custom-scalars';

/** The executable-shape GraphQL schema of a compiled schema: its SDL with real custom scalars. */
export function buildGraphQLSchema(compiled: Pick<CompiledSchema, 'sdl'>): GraphQLSchema {
  return attachScalars(buildSchema(compiled.sdl));
}
