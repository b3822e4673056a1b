import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FraiseqlError } from '@fraiseql/errors';

/** The Elasticsearch API a migration body is PUT to. */
export type MigrationKind = 'ilm-policy' | 'component-template' | 'index-template';

/**
 * One file of migrations/elasticsearch, named `<NNNN>_<kind>_<name>.json`: the request body of
 * `PUT _ilm/policy/<name>`, `PUT _component_template/<name>` or `PUT _index_template/<name>`.
 * A later number with the same kind and name supersedes an earlier one (files are never edited once released).
 */
export interface ElasticsearchMigration {
  file: string;
  /** The file's number: recorded in Elasticsearch as the template `version` (`_meta.fraiseql_migration` for a policy). */
  version: number;
  kind: MigrationKind;
  name: string;
  body: Record<string, unknown>;
}

const FILE_NAME = /^(\d{4})_(ilm-policy|component-template|index-template)_([a-z0-9][a-z0-9@._-]*)\.json$/;

/** The migrations in force: for each kind and name the highest-numbered file, in file order. */
export function loadElasticsearchMigrations(directory: string): ElasticsearchMigration[] {
  const failed = (file: string, why: string, cause?: unknown): FraiseqlError =>
    new FraiseqlError('FRAISEQL_MIGRATION_FAILED', `migrations/elasticsearch/${file}: ${why}`, { cause, details: { file } });
  let files: string[];
  try {
    files = readdirSync(directory).filter((f) => f.endsWith('.json'));
  } catch (error) {
    throw failed('', `cannot read the directory ${directory}`, error);
  }
  const latest = new Map<string, ElasticsearchMigration>();
  const numbers = new Set<number>();
  for (const file of files.sort()) {
    const match = FILE_NAME.exec(file);
    if (!match) throw failed(file, 'the name is not <NNNN>_<ilm-policy|component-template|index-template>_<name>.json');
    const version = Number(match[1]);
    if (numbers.has(version)) throw failed(file, `another file has the number ${match[1]}`);
    numbers.add(version);
    let body: unknown;
    try {
      body = JSON.parse(readFileSync(join(directory, file), 'utf8'));
    } catch (error) {
      throw failed(file, 'is not valid JSON', error);
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw failed(file, 'must hold a JSON object');
    const kind = match[2] as MigrationKind;
    latest.set(`${kind}/${match[3]}`, { file, version, kind, name: match[3]!, body: body as Record<string, unknown> });
  }
  return [...latest.values()].sort((a, b) => a.version - b.version);
}

/**
 * The body as it is PUT: the ILM delete phase after `retentionDays` (and a rollover no later than that), and a
 * version stamp (`version` of a template, `_meta.fraiseql_migration` of a policy) so that a replica running older
 * migrations never downgrades what a newer one installed.
 */
export function renderMigrationBody(migration: ElasticsearchMigration, retentionDays: number): Record<string, unknown> {
  const body = structuredClone(migration.body);
  const stamp = { managed_by: 'fraiseql', fraiseql_migration: migration.version, fraiseql_file: migration.file };
  if (migration.kind !== 'ilm-policy') {
    return { ...body, version: migration.version, _meta: { ...asObject(body._meta), ...stamp } };
  }
  const policy = asObject(body.policy);
  const phases = asObject(policy.phases);
  const deletePhase = phases.delete === undefined ? undefined : asObject(phases.delete);
  if (deletePhase) deletePhase.min_age = `${retentionDays}d`;
  const rollover = asObject(asObject(asObject(phases.hot).actions).rollover);
  const maxAgeDays = typeof rollover.max_age === 'string' ? /^(\d+)d$/.exec(rollover.max_age) : null;
  // Deletion waits for rollover: a retention shorter than the rollover age would otherwise keep data that long.
  if (deletePhase && maxAgeDays && Number(maxAgeDays[1]) > retentionDays) rollover.max_age = `${retentionDays}d`;
  policy._meta = { ...asObject(policy._meta), ...stamp, retention_days: retentionDays };
  return body;
}

/** The object at a key, or an empty one (for reading a body of known shape without a cast at every step). */
function asObject(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
