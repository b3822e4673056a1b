export { KvSchemaSource } from './kv-schema-source';
export type { KvSchemaSourceOptions } from './kv-schema-source';
export { openSchemaKv, publishCompiledSchema } from './schema-bucket';
export type { PublishCompiledSchemaOptions, SchemaBucketOptions } from './schema-bucket';
