export * from './compiled-schema';
export type {
  AccessOptions,
  CaptureSpec,
  ColumnOptions,
  DatasetColumnMap,
  DatasetColumnSpec,
  DatasetDefinition,
  EntityDefinition,
  EnumTypeDefinition,
  EnumValueSpec,
  FieldMap,
  FieldOptions,
  FieldSpec,
  FieldTypeSpec,
  InputTypeDefinition,
  InputTypeReference,
  MutationDefinition,
  MutationOptions,
  ObserverDefinition,
  ObserverOptions,
  ObjectTypeDefinition,
  OnDenied,
  OrderKeySpec,
  QueryDefinition,
  QueryOptions,
  SchemaDefinition,
  SubscriptionDefinition,
  SubscriptionOptions,
  TypeDefinition,
  TypeReference,
} from './schema-definition';
export { field } from './field';
export { entity, enumType, inputType, objectType } from './type-builders';
export type { EntityOptions, ObjectTypeOptions, TypeOptions } from './type-builders';
export { holdsAnyRole, SCOPE_ROLE_PREFIX } from './access-rules';
export { column } from './column';
export { arrowDataset } from './arrow-dataset';
export { observer } from './observer';
export { observerEntities } from './compile-observers';
export { OBSERVER_ADMIN } from './admin-observers';
export { DEAD_LETTER_ADMIN } from './admin-dead-letters';
export { JOB_API_SURFACE } from './admin-jobs';
export { SEARCH_API_SURFACE } from './admin-search';
export { API_KEY_SURFACE } from './admin-api-keys';
export { AUDIT_SURFACE } from './admin-audit';
export type { ArrowDatasetOptions } from './arrow-dataset';
export { datasetColumnSqlType } from './dataset-rules';
export { connectionQuery, defineSchema, listQuery, lookupQuery, mutation, subscription } from './query-builders';
export type { SchemaDefinitionInput } from './query-builders';
export { compileSchema, DEFAULT_LIMIT, DEFAULT_MAX_LIMIT } from './compile-schema';
export { generateSdl, sdlTypeOf } from './generate-sdl';
export type { MutationSurface } from './generate-sdl';
export { listSortFields } from './sort-fields';
export type { SortField } from './sort-fields';
export * from './sdl-names';
export { canonicalJson, computeSchemaHash, serializeCompiledSchema } from './schema-hash';
export { loadCompiledSchema } from './load-compiled-schema';
export { attachScalars, CUSTOM_SCALARS } from './custom-scalars';
export { buildGraphQLSchema } from './build-graphql-schema';
export { SchemaHolder } from './schema-holder';
export { SchemaSource } from './schema-source';
export type { SchemaSourceEvents, SchemaSourceLogger } from './schema-source';
export { FileSchemaSource } from './file-schema-source';
export type { FileSchemaSourceOptions } from './file-schema-source';
