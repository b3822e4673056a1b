import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { compileSchema, serializeCompiledSchema, type CompiledSchema } from '@fraiseql/schema';
import type { Command } from 'commander';
import { loadSchemaEntry } from '../load-schema-entry';
import type { CommandOutput } from '../command-output';

export interface CompileOptions {
  entry: string;
  /** Where to write the compiled schema (default `schema.compiled.json`). */
  output?: string;
  /** Do not write; fail if the file at `output` differs from a fresh compile. */
  check?: boolean;
}

export interface CompileResult {
  schema: CompiledSchema;
  outputPath: string;
  /** With `check`: whether the file was up to date. */
  upToDate?: boolean;
}

/** `fraiseql compile`: loads the entry, compiles it and writes schema.compiled.json. */
export async function runCompile(options: CompileOptions): Promise<CompileResult> {
  const definition = await loadSchemaEntry(options.entry);
  const schema = compileSchema(definition);
  const outputPath = resolve(options.output ?? 'schema.compiled.json');
  const text = serializeCompiledSchema(schema);
  if (options.check) {
    const existing = await readFile(outputPath, 'utf8').catch(() => undefined);
    return { schema, outputPath, upToDate: existing === text };
  }
  await mkdir(dirname(outputPath), { recursive: true });
  await writeFile(outputPath, text);
  return { schema, outputPath };
}

export function registerCompileCommand(program: Command, output: CommandOutput): void {
  program
    .command('compile')
    .description('Compile a TypeScript schema entry (default export or `schema` export) to schema.compiled.json')
    .argument('<entry>', 'schema entry file, e.g. src/schema.ts')
    .option('-o, --output <file>', 'output file', 'schema.compiled.json')
    .option('--check', 'do not write; exit 1 if the output file is not up to date')
    .action(async (entry: string, opts: { output: string; check?: boolean }) => {
      const result = await runCompile({ entry, output: opts.output, check: opts.check });
      const { types, queries, hash } = result.schema;
      if (opts.check) {
        if (!result.upToDate) {
          output.error(`${result.outputPath} is out of date; run fraiseql compile ${entry} -o ${opts.output}`);
          process.exitCode = 1;
          return;
        }
        output.info(`${result.outputPath} is up to date (hash ${hash.slice(0, 12)})`);
        return;
      }
      output.info(`Compiled ${types.length} types and ${queries.length} queries to ${result.outputPath} (hash ${hash.slice(0, 12)})`);
    });
}
