import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { FraiseqlError } from '@fraiseql/errors';
import { commonConfigShape, type CommonConfigShape } from './common-config';
import { isFormattedIssue } from './config-value';
import { servicePrefix, type ConfigDefinition } from './define-config';

export interface LoadConfigOptions {
  /** Defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** A config file path given on the command line; wins over `FRAISEQL_CONFIG_FILE`. */
  argvFile?: string;
}

export type LoadedConfig<S extends z.ZodRawShape> = z.infer<z.ZodObject<z.objectUtil.extendShape<CommonConfigShape, S>>>;

export interface ConfigProblem {
  key: string;
  reason: string;
}

/**
 * Reads the config of a service: defaults, then the JSON file, then the environment.
 * Fails fast with FRAISEQL_CONFIG_INVALID naming every bad key — unknown keys in the file,
 * unknown env vars under the service's own prefix (typos), and values that do not parse.
 */
export function loadConfig<S extends z.ZodRawShape>(definition: ConfigDefinition<S>, options: LoadConfigOptions = {}): LoadedConfig<S> {
  const env = options.env ?? process.env;
  const schema = z.object(commonConfigShape).extend(definition.schema.shape);
  const known = new Set(Object.keys(schema.shape));
  const problems: ConfigProblem[] = [];

  const filePath = options.argvFile ?? nonEmpty(env.FRAISEQL_CONFIG_FILE);
  const fromFile = filePath === undefined ? {} : readConfigFile(filePath, known, problems);

  const fromEnv: Record<string, unknown> = {};
  const prefix = definition.envPrefix ?? servicePrefix(definition.service);
  for (const [key, value] of Object.entries(env)) {
    // An empty variable counts as unset: manifests often template keys to "".
    if (nonEmpty(value) === undefined) continue;
    if (known.has(key)) fromEnv[key] = value;
    else if (key.startsWith(prefix)) problems.push({ key, reason: unknownKeyReason(key, 'environment', known) });
  }
  if (filePath !== undefined) fromEnv.FRAISEQL_CONFIG_FILE = filePath;

  const merged = { ...fromFile, ...fromEnv };
  const result = schema.safeParse(merged);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const key = String(issue.path[0] ?? '(root)');
      const raw = merged[key as keyof typeof merged];
      const reason = isFormattedIssue(issue) || raw === undefined ? issue.message : `${issue.message}, got ${JSON.stringify(raw)}`;
      problems.push({ key, reason });
    }
  }
  if (problems.length > 0) {
    const lines = problems.map((p) => (p.reason.startsWith('unknown key') ? `  - ${p.reason}` : `  - ${p.key}: ${p.reason}`));
    throw new FraiseqlError('FRAISEQL_CONFIG_INVALID', `Invalid configuration for service ${definition.service}:\n${lines.join('\n')}`, {
      details: { service: definition.service, problems },
    });
  }
  return result.data as LoadedConfig<S>;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function readConfigFile(path: string, known: Set<string>, problems: ConfigProblem[]): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    problems.push({ key: 'FRAISEQL_CONFIG_FILE', reason: `cannot read JSON config file ${path}: ${(error as Error).message}` });
    return {};
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    problems.push({ key: 'FRAISEQL_CONFIG_FILE', reason: `config file ${path} must hold a JSON object of keys` });
    return {};
  }
  const values: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(parsed)) {
    // The file cannot name another file: that would make precedence ambiguous.
    if (key === 'FRAISEQL_CONFIG_FILE') problems.push({ key, reason: `a config file cannot name another config file (in ${path})` });
    else if (!known.has(key)) problems.push({ key, reason: unknownKeyReason(key, `config file ${path}`, known) });
    else values[key] = value;
  }
  return values;
}

function unknownKeyReason(key: string, source: string, known: Set<string>): string {
  const suggestion = closestKey(key, known);
  return `unknown key ${key} (in ${source})${suggestion ? `; did you mean ${suggestion}?` : ''}`;
}

/** The known key within edit distance 2, to turn a typo into a one-glance fix. */
function closestKey(key: string, known: Set<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const d = editDistance(key, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
