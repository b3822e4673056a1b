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
export {
  formatDeadLetter,
  getDeadLetter,
  listDeadLetters,
  purgeAllDeadLetters,
  purgeDeadLetters,
  registerDlqCommand,
  replayDeadLetters,
} from './commands/dlq';
export type { DlqFilter, ReplayResult, StoredDeadLetter } from './commands/dlq';
export { formatRuleTable, formatVerdicts, loadObserversReport, registerObserversCommand } from './commands/observers';
export type { ObserversOptions, ObserversReport } from './commands/observers';
export { DRY_RUN_SECRETS, dryRunObservers } from './observers/dry-run-observers';
export type { ActionPreview, NoMatchReason, RuleVerdict } from './observers/dry-run-observers';
export { loadRulesInForce } from './observers/rules-in-force';
export type { ListedObserverRule, RuleRefusal, RulesInForce, RulesInForceOptions } from './observers/rules-in-force';
export { readEventFile } from './observers/read-event-file';
