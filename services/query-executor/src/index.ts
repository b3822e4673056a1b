export { createQueryExecutor } from './create-query-executor';
export type { QueryExecutor, QueryExecutorOptions } from './create-query-executor';
export { queryExecutorConfig } from './config';
export type { QueryExecutorConfig } from './config';
export { mapPgError, pgErrorCode } from '@fraiseql/errors';
export { ChangeLogRelay } from './relay/change-log-relay';
export type { ChangeLogRelayOptions } from './relay/change-log-relay';
export type { RelaySettings } from './relay/start-change-log-relay';
