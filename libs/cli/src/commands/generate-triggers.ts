import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { captureTargets, generateCaptureTriggers } from '@fraiseql/capture';
import { loadCompiledSchema } from '@fraiseql/schema';
import type { Command } from 'commander';
import type { CommandOutput } from '../command-output';

export interface GenerateTriggersOptions {
  /** Compiled schema file (default `schema.compiled.json`). */
  schema?: string;
  /** Where to write the SQL; without it the SQL is only returned (the command prints it). */
  output?: string;
}

export interface GenerateTriggersResult {
  sql: string;
  /** Entity types that get capture triggers, in schema order. */
  entities: string[];
  outputPath?: string;
}

/** `fraiseql generate triggers`: the SQL installing change capture for the entities that declare it. */
export async function runGenerateTriggers(options: GenerateTriggersOptions): Promise<GenerateTriggersResult> {
  const schema = loadCompiledSchema(await readFile(resolve(options.schema ?? 'schema.compiled.json'), 'utf8'));
  const sql = generateCaptureTriggers(schema);
  const entities = captureTargets(schema).map((t) => t.entityType);
  if (!options.output) return { sql, entities };
  const outputPath = resolve(options.output);
  await mkdir(dirname(outputPath), { recursive: true });
  await writeFile(outputPath, sql);
  return { sql, entities, outputPath };
}

export function registerGenerateCommand(program: Command, output: CommandOutput): void {
  const generate = program.command('generate').description('Generate SQL from the compiled schema');
  generate
    .command('triggers')
    .description('SQL installing the change-capture triggers of every entity with `capture` (a migration of your app)')
    .option('-s, --schema <file>', 'compiled schema file', 'schema.compiled.json')
    .option('-o, --output <file>', 'write the SQL to this file instead of printing it')
    .action(async (opts: { schema: string; output?: string }) => {
      const result = await runGenerateTriggers({ schema: opts.schema, ...(opts.output ? { output: opts.output } : {}) });
      if (!result.outputPath) {
        output.info(result.sql.trimEnd());
        return;
      }
      const what = result.entities.length ? result.entities.join(', ') : 'no entity (none declares capture)';
      output.info(`Wrote capture triggers for ${what} to ${result.outputPath}`);
    });
}
