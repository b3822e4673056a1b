/** Where commands print: stdout/stderr in the CLI, a buffer in tests. */
export interface CommandOutput {
  info(message: string): void;
  error(message: string): void;
}

export const CONSOLE_OUTPUT: CommandOutput = {
  info: (message) => process.stdout.write(`${message}\n`),
  error: (message) => process.stderr.write(`${message}\n`),
};
