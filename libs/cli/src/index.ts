export { createProgram } from './program';
export { runCli } from './run-cli';
export { CONSOLE_OUTPUT } from './command-output';
export type { CommandOutput } from './command-output';
export { loadSchemaEntry } from './load-schema-entry';
export { registerCompileCommand, runCompile } from './commands/compile';
export type { CompileOptions, CompileResult } from './commands/compile';
export { DEFAULT_NATS_URL, registerSchemaCommand, runSchemaPush } from './commands/schema-push';
export type { SchemaPushOptions, SchemaPushResult } from './commands/schema-push';
export { registerGenerateCommand, runGenerateTriggers } from './commands/generate-triggers';
export type { GenerateTriggersOptions, GenerateTriggersResult } from './commands/generate-triggers';
export { formatEvent, registerEventsCommand, runEventsTail } from './commands/events-tail';
export type { EventsTailOptions } from './commands/events-tail';
export { formatDeadLetter, listDeadLetters, registerDlqCommand } from './commands/dlq';
export type { DlqFilter } from './commands/dlq';
// The operations themselves live in @fraiseql/dead-letters (the query-executor's admin GraphQL fields use them too).
export { getDeadLetter, purgeAllDeadLetters, purgeDeadLetters, replayDeadLetters } from '@fraiseql/dead-letters';
export type { ReplayResult, StoredDeadLetter } from '@fraiseql/dead-letters';
