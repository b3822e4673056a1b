import { Command } from 'commander';
import { CONSOLE_OUTPUT, type CommandOutput } from './command-output';
import { registerCompileCommand } from './commands/compile';
import { registerDlqCommand } from './commands/dlq';
import { registerDocumentsCommand } from './commands/documents';
import { registerEventsCommand } from './commands/events-tail';
import { registerObserversCommand } from './commands/observers';
import { registerGenerateCommand } from './commands/generate-triggers';
import { registerJobsCommand } from './commands/jobs';
import { registerSchemaCommand } from './commands/schema-push';

/**
 * The `fraiseql` command line. Each command lives in src/commands/<name>.ts and exports a
 * `register…Command(program, output)`; add new ones (migrate, seed) to the list below.
 */
export function createProgram(output: CommandOutput = CONSOLE_OUTPUT): Command {
  const program = new Command('fraiseql')
    .description('FraiseQL: compile and publish schemas, generate capture triggers, operate observers, dead letters and jobs')
    .showHelpAfterError();
  registerCompileCommand(program, output);
  registerSchemaCommand(program, output);
  registerGenerateCommand(program, output);
  registerEventsCommand(program, output);
  registerDlqCommand(program, output);
  registerObserversCommand(program, output);
  registerJobsCommand(program, output);
  registerDocumentsCommand(program, output);
  return program;
}
