export { createProgram } from './program';
export { runCli } from './run-cli';
export { CONSOLE_OUTPUT } from './command-output';
export type { CommandOutput } from './command-output';
export { loadSchemaEntry } from './load-schema-entry';
export { registerCompileCommand, runCompile } from './commands/compile';
export type { CompileOptions, CompileResult } from './commands/compile';
export { DEFAULT_NATS_URL, registerSchemaCommand, runSchemaPush } from './commands/schema-push';
export type { SchemaPushOptions, SchemaPushResult } from './commands/schema-push';
