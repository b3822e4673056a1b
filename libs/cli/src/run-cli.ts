import { FraiseqlError } from '@fraiseql/errors';
import { CONSOLE_OUTPUT, type CommandOutput } from './command-output';
import { createProgram } from './program';

/** Runs the CLI with arguments (without `node` and the script); resolves to the exit code. */
export async function runCli(args: readonly string[], output: CommandOutput = CONSOLE_OUTPUT): Promise<number> {
  const program = createProgram(output).exitOverride();
  program.configureOutput({ writeOut: (s) => output.info(s.trimEnd()), writeErr: (s) => output.error(s.trimEnd()) });
  try {
    await program.parseAsync([...args], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version') return 0;
    if (typeof code === 'string' && code.startsWith('commander.')) return (error as { exitCode?: number }).exitCode ?? 1;
    if (error instanceof FraiseqlError) output.error(`error ${error.code}: ${error.message}`);
    else output.error(`error: ${(error as Error)?.stack ?? String(error)}`);
    return 1;
  }
}
