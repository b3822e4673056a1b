import { errors, type Client, type estypes } from '@elastic/elasticsearch';
import { FraiseqlError } from '@fraiseql/errors';
import { errorCauseOf, toStoreError } from './elasticsearch-failure';
import { loadElasticsearchMigrations, renderMigrationBody, type ElasticsearchMigration } from './elasticsearch-migration-file';

export interface PrepareElasticsearchOptions {
  migrationsDir: string;
  retentionDays: number;
  eventsDataStream: string;
  entitiesIndex: string;
}

/**
 * Puts the ILM policy and templates of migrations/elasticsearch (skipping any that a newer deployment already
 * replaced), then creates the events data stream and the entities index when missing. Idempotent, and safe for
 * several replicas at once.
 */
export async function prepareElasticsearch(client: Client, options: PrepareElasticsearchOptions): Promise<void> {
  for (const migration of loadElasticsearchMigrations(options.migrationsDir)) {
    const installed = await installedVersion(client, migration);
    if (installed !== undefined && installed > migration.version) continue;
    await putMigration(client, migration, renderMigrationBody(migration, options.retentionDays));
  }
  await createUnlessExists(`data stream ${options.eventsDataStream}`, () =>
    client.indices.createDataStream({ name: options.eventsDataStream }),
  );
  await createUnlessExists(`index ${options.entitiesIndex}`, () => client.indices.create({ index: options.entitiesIndex }));
}

async function installedVersion(client: Client, migration: ElasticsearchMigration): Promise<number | undefined> {
  const { kind, name } = migration;
  try {
    switch (kind) {
      case 'ilm-policy': {
        const policies = await client.ilm.getLifecycle({ name });
        const meta = policies[name]?.policy._meta;
        return typeof meta?.fraiseql_migration === 'number' ? meta.fraiseql_migration : undefined;
      }
      case 'component-template': {
        const { component_templates } = await client.cluster.getComponentTemplate({ name });
        return component_templates.find((t) => t.name === name)?.component_template.version ?? undefined;
      }
      case 'index-template': {
        const { index_templates } = await client.indices.getIndexTemplate({ name });
        return index_templates.find((t) => t.name === name)?.index_template.version ?? undefined;
      }
    }
  } catch (error) {
    if (error instanceof errors.ResponseError && error.statusCode === 404) return undefined;
    throw toStoreError(error, `reading ${kind} ${name}`);
  }
}

async function putMigration(client: Client, migration: ElasticsearchMigration, body: Record<string, unknown>): Promise<void> {
  const { kind, name } = migration;
  try {
    switch (kind) {
      case 'ilm-policy':
        await client.ilm.putLifecycle({ name, ...(body as Omit<estypes.IlmPutLifecycleRequest, 'name'>) });
        return;
      case 'component-template':
        await client.cluster.putComponentTemplate({ name, ...(body as Omit<estypes.ClusterPutComponentTemplateRequest, 'name'>) });
        return;
      case 'index-template':
        await client.indices.putIndexTemplate({ name, ...(body as Omit<estypes.IndicesPutIndexTemplateRequest, 'name'>) });
        return;
    }
  } catch (error) {
    const failure = toStoreError(error, `PUT ${kind} ${name}`);
    if (failure.code !== 'FRAISEQL_ELASTICSEARCH_REFUSED' || failure.details?.status !== 400) throw failure;
    // Elasticsearch does not accept the body itself: the migration file is at fault, and says which one.
    throw new FraiseqlError('FRAISEQL_MIGRATION_FAILED', `migrations/elasticsearch/${migration.file}: ${failure.message}`, {
      cause: error,
      details: { file: migration.file, ...failure.details },
    });
  }
}

async function createUnlessExists(what: string, create: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (error) {
    if (error instanceof errors.ResponseError && errorCauseOf(error.body).type === 'resource_already_exists_exception') return;
    throw toStoreError(error, `creating ${what}`);
  }
}
