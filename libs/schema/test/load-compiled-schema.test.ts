import { FraiseqlError } from '@fraiseql/errors';
import {
  compileSchema,
  computeSchemaHash,
  defineSchema,
  entity,
  field,
  listQuery,
  loadCompiledSchema,
  serializeCompiledSchema,
  type CompiledSchema,
} from '../src';

const User = entity('User', { view: 'v_user' }, { id: field.id(), email: field.string() });
const compiled = compileSchema(defineSchema({ types: [User], queries: [listQuery('users', User)] }));

function loadError(value: unknown): FraiseqlError {
  try {
    loadCompiledSchema(value);
  } catch (error) {
    expect(error).toBeInstanceOf(FraiseqlError);
    expect((error as FraiseqlError).code).toBe('FRAISEQL_SCHEMA_INVALID');
    return error as FraiseqlError;
  }
  throw new Error('loadCompiledSchema accepted the value');
}

const rehash = (schema: Omit<CompiledSchema, 'hash'> & { hash?: string }) => ({ ...schema, hash: computeSchemaHash(schema) });

describe('loadCompiledSchema', () => {
  it('accepts JSON text, bytes and parsed values of a compiled schema', () => {
    const text = serializeCompiledSchema(compiled);
    expect(loadCompiledSchema(text)).toEqual(compiled);
    expect(loadCompiledSchema(Buffer.from(text))).toEqual(compiled);
    expect(loadCompiledSchema(JSON.parse(text))).toEqual(compiled);
  });

  it('refuses text that is not JSON', () => {
    expect(loadError('{"formatVersion": 1,').message).toMatch(/^The compiled schema is not JSON/);
  });

  it('refuses another format version', () => {
    expect(loadError({ ...compiled, formatVersion: 2 }).message).toBe('Unsupported compiled schema format version 2 (this build reads 1)');
  });

  it('refuses a schema with a required member missing', () => {
    const { queries: _queries, ...rest } = compiled;
    expect(loadError(rest).message).toContain('queries: Required');
  });

  it('refuses a schema whose content does not match its hash', () => {
    const edited = { ...compiled, queries: compiled.queries.map((q) => ({ ...q, maxLimit: 100000 })) };
    expect(loadError(edited).message).toMatch(/hash .* does not match its content/);
  });

  it('refuses references to unknown types even with a matching hash', () => {
    const broken = rehash({ ...compiled, queries: compiled.queries.map((q) => ({ ...q, type: 'Ghost' })) });
    expect(loadError(broken).message).toContain('query users reads unknown entity "Ghost"');
  });

  it('refuses SDL that is not valid GraphQL even with a matching hash', () => {
    expect(loadError(rehash({ ...compiled, sdl: 'type Query {' })).message).toMatch(/SDL is not valid GraphQL/);
  });
});
