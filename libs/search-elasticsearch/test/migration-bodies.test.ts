import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import {
  ELASTICSEARCH_MIGRATIONS_DIR,
  loadElasticsearchMigrations,
  renderMigrationBody,
  type MigrationKind,
} from '@fraiseql/search-elasticsearch';

/**
 * The request type each kind of migrations/elasticsearch body must satisfy. A body is checked as an object literal
 * (the JSON text pasted into a TypeScript file), so that excess-property checks catch a misspelled field and literal
 * unions catch a wrong value — an imported .json module would have neither (its strings widen to `string`, and a
 * non-literal object is never checked for extra properties).
 */
const BODY_TYPES: Record<MigrationKind, string> = {
  'ilm-policy': "RequestBody<estypes.IlmPutLifecycleRequest, 'name' | 'master_timeout' | 'timeout'>",
  'component-template': "RequestBody<estypes.ClusterPutComponentTemplateRequest, 'name' | 'create' | 'cause' | 'master_timeout'>",
  'index-template': "RequestBody<estypes.IndicesPutIndexTemplateRequest, 'name' | 'create' | 'cause' | 'master_timeout'>",
};

// The types module alone (not the client's index, which pulls in the transport and @types/node): the check runs in seconds.
const PRELUDE = `import type * as estypes from '@elastic/elasticsearch/lib/api/types';
type RequestBody<R, PathAndQuery extends keyof R> = Omit<R, PathAndQuery | 'body' | 'querystring' | keyof estypes.RequestBase>;
`;

const options: ts.CompilerOptions = {
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  target: ts.ScriptTarget.ES2022,
  lib: ['lib.es2022.d.ts'],
  module: ts.ModuleKind.CommonJS,
  moduleResolution: ts.ModuleResolutionKind.Node10,
  types: [],
};
/** Parsed library files, shared by the programs of this file. */
const parsed = new Map<string, ts.SourceFile | undefined>();

/** Type-checks bodies against @elastic/elasticsearch's request types; returns tsc's messages. */
function typeCheck(bodies: Array<{ file: string; kind: MigrationKind; json: string }>): string[] {
  const sources = new Map(
    bodies.map((b, i) => [
      join(__dirname, `__migration_body_${i}.ts`),
      `${PRELUDE}// ${b.file}\nexport const body: ${BODY_TYPES[b.kind]} = ${b.json};\n`,
    ]),
  );
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, language, ...rest) => {
    const text = sources.get(name);
    if (text !== undefined) return ts.createSourceFile(name, text, language);
    if (!parsed.has(name)) parsed.set(name, getSourceFile(name, language, ...rest));
    return parsed.get(name);
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => sources.has(name) || fileExists(name);
  const program = ts.createProgram([...sources.keys()], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file ? `${sources.get(d.file.fileName)?.split('\n')[2] ?? d.file.fileName}: ` : '';
    return where + ts.flattenDiagnosticMessageText(d.messageText, '\n');
  });
}

describe('migrations/elasticsearch bodies', () => {
  const migrations = loadElasticsearchMigrations(ELASTICSEARCH_MIGRATIONS_DIR);

  it('are the ILM policy, the events mappings and both index templates, in file order', () => {
    expect(migrations.map((m) => [m.version, m.kind, m.name])).toEqual([
      [1, 'ilm-policy', 'fraiseql-events'],
      [2, 'component-template', 'fraiseql-events@mappings'],
      [3, 'index-template', 'fraiseql-events'],
      [4, 'index-template', 'fraiseql-entities'],
    ]);
  });

  it("type-check against @elastic/elasticsearch's request types, as written and as the store renders them", () => {
    const bodies = migrations.flatMap((m) => [
      { file: m.file, kind: m.kind, json: readFileSync(join(ELASTICSEARCH_MIGRATIONS_DIR, m.file), 'utf8') },
      { file: `${m.file} (rendered)`, kind: m.kind, json: JSON.stringify(renderMigrationBody(m, 30)) },
    ]);
    expect(typeCheck(bodies)).toEqual([]);
  });

  it('the type check catches a misspelled field and a value outside its type', () => {
    const ilm = readFileSync(join(ELASTICSEARCH_MIGRATIONS_DIR, '0001_ilm-policy_fraiseql-events.json'), 'utf8');
    const entities = readFileSync(join(ELASTICSEARCH_MIGRATIONS_DIR, '0004_index-template_fraiseql-entities.json'), 'utf8');
    const problems = typeCheck([
      { file: 'misspelled', kind: 'ilm-policy', json: ilm.replace('max_primary_shard_size', 'max_primary_shard_sise') },
      { file: 'wrong type', kind: 'index-template', json: entities.replace('"type": "flattened"', '"type": "flat"') },
      { file: 'wrong place', kind: 'index-template', json: entities.replace('"index_patterns"', '"index_pattern"') },
    ]);
    expect(problems).toEqual([
      expect.stringMatching(/^\/\/ misspelled: .*max_primary_shard_sise/s),
      expect.stringMatching(/^\/\/ wrong type: .*"flat"/s),
      expect.stringMatching(/^\/\/ wrong place: .*index_pattern/s),
    ]);
  });

  it('render the retention into the delete phase, never rolling over later than the retention, and stamp the version', () => {
    const [ilm, mappings] = migrations;
    const at90 = renderMigrationBody(ilm!, 90) as any;
    expect(at90.policy.phases.delete.min_age).toBe('90d');
    expect(at90.policy.phases.hot.actions.rollover.max_age).toBe('7d');
    expect(at90.policy._meta).toMatchObject({ managed_by: 'fraiseql', fraiseql_migration: 1, retention_days: 90 });
    const at3 = renderMigrationBody(ilm!, 3) as any;
    expect(at3.policy.phases.delete.min_age).toBe('3d');
    expect(at3.policy.phases.hot.actions.rollover.max_age).toBe('3d');
    expect(renderMigrationBody(mappings!, 90)).toMatchObject({ version: 2, _meta: { managed_by: 'fraiseql', fraiseql_migration: 2 } });
    // The file itself is left as it was.
    expect((ilm!.body as any).policy.phases.delete.min_age).toBe('90d');
  });

  it('a later file of the same kind and name supersedes an earlier one; a badly named file is refused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'es-migrations-'));
    try {
      for (const m of migrations) copyFileSync(join(ELASTICSEARCH_MIGRATIONS_DIR, m.file), join(dir, m.file));
      writeFileSync(join(dir, '0007_index-template_fraiseql-entities.json'), JSON.stringify({ index_patterns: ['fraiseql-entities-*'] }));
      const loaded = loadElasticsearchMigrations(dir);
      expect(loaded.map((m) => m.version)).toEqual([1, 2, 3, 7]);
      writeFileSync(join(dir, '0008_template_x.json'), '{}');
      expect(() => loadElasticsearchMigrations(dir)).toThrow(expect.objectContaining({ code: 'FRAISEQL_MIGRATION_FAILED' }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
