import { getIntrospectionQuery } from 'graphql';
import { z } from 'zod';
import { FraiseqlError } from '@fraiseql/errors';
import { QueryPlanner } from '@fraiseql/query-planner';
import { compileSchema, defineSchema, entity, field, listQuery } from '@fraiseql/schema';
import { defineConfig, loadConfig } from '@fraiseql/service-kit';
import { DEVELOPMENT_CURSOR_SECRET, graphqlRuntimeConfigShape, plannerLimitsFromConfig, resolveCursorSecret } from '../src';

const runtime = defineConfig({ service: 'runtime-test', schema: z.object(graphqlRuntimeConfigShape) });
const SECRET = 'a-cursor-secret-of-at-least-32-characters';

function configError(run: () => unknown): FraiseqlError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(FraiseqlError);
    expect((error as FraiseqlError).code).toBe('FRAISEQL_CONFIG_INVALID');
    return error as FraiseqlError;
  }
  throw new Error('expected a configuration error');
}

describe('graphqlRuntimeConfigShape', () => {
  it('defaults to the KV schema source and limits that let the standard introspection query through', () => {
    const config = loadConfig(runtime, { env: {} });
    expect(config).toMatchObject({
      FRAISEQL_SCHEMA_SOURCE: 'kv',
      FRAISEQL_LIMIT_MAX_DEPTH: 15,
      FRAISEQL_LIMIT_MAX_COST: 50_000,
      FRAISEQL_LIMIT_MAX_ALIASES: 30,
      FRAISEQL_LIMIT_MAX_DOCUMENT_BYTES: 65_536,
    });
    expect(config.FRAISEQL_CURSOR_SECRET).toBeUndefined();

    const User = entity('User', { view: 'v_user' }, { id: field.id(), email: field.string() });
    const compiled = compileSchema(defineSchema({ types: [User], queries: [listQuery('users', User)] }));
    const planner = new QueryPlanner(compiled, { cursorSecret: SECRET, limits: plannerLimitsFromConfig(config) });
    expect(planner.prepare({ query: getIntrospectionQuery() }).operationType).toBe('query');
    // The old default (10) refused GraphiQL's introspection.
    const shallow = new QueryPlanner(compiled, { cursorSecret: SECRET, limits: { ...plannerLimitsFromConfig(config), maxDepth: 10 } });
    expect(() => shallow.prepare({ query: getIntrospectionQuery() })).toThrow(
      expect.objectContaining({ code: 'FRAISEQL_DEPTH_LIMIT_EXCEEDED' }),
    );
  });

  it('reads every shared key from the environment', () => {
    const config = loadConfig(runtime, {
      env: {
        FRAISEQL_SCHEMA_SOURCE: ' /etc/fraiseql/schema.compiled.json ',
        FRAISEQL_CURSOR_SECRET: SECRET,
        FRAISEQL_LIMIT_MAX_DEPTH: '7',
        FRAISEQL_LIMIT_MAX_COST: '900',
        FRAISEQL_LIMIT_MAX_ALIASES: '0',
        FRAISEQL_LIMIT_MAX_DOCUMENT_BYTES: '4096',
      },
    });
    expect(config.FRAISEQL_SCHEMA_SOURCE).toBe('/etc/fraiseql/schema.compiled.json');
    expect(config.FRAISEQL_CURSOR_SECRET).toBe(SECRET);
    expect(plannerLimitsFromConfig(config)).toEqual({ maxDepth: 7, maxCost: 900, maxAliases: 0, maxDocumentBytes: 4096 });
  });

  it('names every bad shared key and why', () => {
    const error = configError(() =>
      loadConfig(runtime, {
        env: {
          FRAISEQL_CURSOR_SECRET: 'short',
          FRAISEQL_LIMIT_MAX_DEPTH: '0',
          FRAISEQL_LIMIT_MAX_COST: 'lots',
          FRAISEQL_LIMIT_MAX_DOCUMENT_BYTES: '10',
          FRAISEQL_SCHEMA_SOURCE: '  ',
        },
      }),
    );
    const keys = (error.details?.problems as Array<{ key: string }>).map((p) => p.key).sort();
    expect(keys).toEqual([
      'FRAISEQL_CURSOR_SECRET',
      'FRAISEQL_LIMIT_MAX_COST',
      'FRAISEQL_LIMIT_MAX_DEPTH',
      'FRAISEQL_LIMIT_MAX_DOCUMENT_BYTES',
      'FRAISEQL_SCHEMA_SOURCE',
    ]);
    expect(error.message).toContain('FRAISEQL_CURSOR_SECRET: must be at least 32 characters');
  });
});

describe('resolveCursorSecret', () => {
  it('uses the configured secret in any environment, without a warning', () => {
    const warnings: string[] = [];
    for (const env of ['production', 'development'] as const) {
      expect(resolveCursorSecret({ FRAISEQL_ENV: env, FRAISEQL_CURSOR_SECRET: SECRET }, (m) => warnings.push(m))).toBe(SECRET);
    }
    expect(warnings).toEqual([]);
  });

  it('refuses to start in production without a secret', () => {
    const error = configError(() => resolveCursorSecret({ FRAISEQL_ENV: 'production' }, () => undefined));
    expect(error.details?.problems).toEqual([{ key: 'FRAISEQL_CURSOR_SECRET', reason: 'required when FRAISEQL_ENV=production' }]);
  });

  it('falls back to the fixed development key in development, and says so', () => {
    const warnings: string[] = [];
    expect(resolveCursorSecret({ FRAISEQL_ENV: 'development' }, (m) => warnings.push(m))).toBe(DEVELOPMENT_CURSOR_SECRET);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('FRAISEQL_CURSOR_SECRET is not set');
  });
});
