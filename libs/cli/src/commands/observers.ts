import { FraiseqlError } from '@fraiseql/errors';
import type { EntityEvent } from '@fraiseql/events';
import { KV_BUCKETS } from '@fraiseql/nats-contract';
import { REDACTED, type RenderedAction } from '@fraiseql/observer-rules';
import { Option, type Command } from 'commander';
import type { NatsConnection } from 'nats';
import type { CommandOutput } from '../command-output';
import { connectNats } from '../connect-nats';
import { dryRunObservers, type RuleVerdict } from '../observers/dry-run-observers';
import { loadObserverSchema } from '../observers/load-observer-schema';
import { readEventFile } from '../observers/read-event-file';
import { loadRulesInForce, type ListedObserverRule, type RulesInForce } from '../observers/rules-in-force';
import { DEFAULT_NATS_URL } from './schema-push';

export interface ObserversOptions {
  /** A TypeScript schema entry or a schema.compiled.json; absent: the active schema of FRAISEQL_SCHEMA. */
  schema?: string;
  /** A NATS URL, or false for none (schema rules only). Absent: $FRAISEQL_NATS_URL, else the default URL if it answers. */
  nats?: string | false;
  /** Only the rules that fire for this org. */
  org?: string;
}

export interface ObserversReport extends RulesInForce {
  /** Where the schema came from (a file, or FRAISEQL_SCHEMA/active@revision). */
  schemaSource: string;
  /** What the report could not include, said once (e.g. NATS not reachable at the default URL). */
  notes: string[];
}

/**
 * The rules in force for `fraiseql observers`: NATS is required when named (`nats`, or $FRAISEQL_NATS_URL);
 * otherwise the default URL is tried and, if nothing answers, only the schema's rules are shown (with a note).
 */
export async function loadObserversReport(options: ObserversOptions): Promise<ObserversReport> {
  const notes: string[] = [];
  let nc: NatsConnection | undefined;
  if (options.nats !== false) {
    const named = options.nats ?? process.env.FRAISEQL_NATS_URL;
    try {
      nc = await connectNats(named ?? DEFAULT_NATS_URL, 'fraiseql-cli observers');
    } catch (error) {
      if (named !== undefined || options.schema === undefined) throw error;
      notes.push(`admin rules not read: ${(error as Error).message} (pass --nats-url, or --no-nats to skip)`);
    }
  }
  try {
    const { schema, source } = await loadObserverSchema(options.schema, nc);
    const rules = await loadRulesInForce({ schema, nc, org: options.org });
    return { ...rules, schemaSource: source, notes };
  } finally {
    await nc?.close();
  }
}

const orgLabel = (org: string | null): string => org ?? '*';

function refusedText(rule: ListedObserverRule): string {
  if (!rule.refused) return 'ok';
  const { problems, message } = rule.refused;
  return `REFUSED ${rule.refused.code}: ${problems.length > 0 ? problems.map((p) => `${p.path}: ${p.message}`).join('; ') : message}`;
}

/** The table of `observers list`. */
export function formatRuleTable(rules: readonly ListedObserverRule[]): string[] {
  const rows = rules.map((r) => [
    r.name,
    r.origin,
    orgLabel(r.orgId),
    r.entityType ?? '?',
    r.eventTypes.join(',') || '?',
    r.enabled ? 'yes' : 'no',
    r.actionTypes.join(',') || '?',
    refusedText(r),
  ]);
  const header = ['NAME', 'ORIGIN', 'ORG', 'ENTITY', 'EVENTS', 'ENABLED', 'ACTIONS', 'STATUS'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  return [header, ...rows].map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '));
}

function listJson(rule: ListedObserverRule): Record<string, unknown> {
  const { rule: validated, refused, ...rest } = rule;
  return { ...rest, valid: refused === undefined, ...(refused ? { refused } : {}), ...(validated ? { definition: validated } : {}) };
}

/** An action's request, member by member (the redacted copy: secrets are REDACTED). */
export function formatRenderedAction(request: RenderedAction, indent: string): string[] {
  const lines: string[] = [];
  const text = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));
  for (const [key, value] of Object.entries(request)) {
    if (key === 'type' || value === undefined) continue;
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) {
      if (value.length > 0) lines.push(`${indent}${key}: ${value.join(', ')}`);
    } else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      lines.push(`${indent}${key}:`);
      for (const [k, v] of Object.entries(value)) lines.push(`${indent}  ${k}: ${text(v)}`);
    } else if (typeof value === 'string' && value.includes('\n')) {
      lines.push(`${indent}${key}:`, ...value.split('\n').map((line) => `${indent}  | ${line}`));
    } else {
      lines.push(`${indent}${key}: ${text(value)}`);
    }
  }
  return lines;
}

/** The human report of `observers test`: matches with their actions; other rules with why, when `verbose`. */
export function formatVerdicts(verdicts: readonly RuleVerdict[], verbose: boolean): string[] {
  const lines: string[] = [];
  for (const v of verdicts) {
    const who = `${v.name} (${v.origin}, org ${orgLabel(v.orgId)})`;
    if (!v.matched) {
      if (verbose) lines.push(`no match  ${who}: ${v.explanation ?? v.reason}`);
      continue;
    }
    lines.push(`MATCH  ${who}`);
    for (const action of v.actions ?? []) {
      lines.push(
        `  action ${action.index}: ${action.type}${action.error ? ` cannot be rendered: ${action.error.code}: ${action.error.message}` : ''}`,
      );
      if (action.request) lines.push(...formatRenderedAction(action.request, '    '));
      if (action.jobId) lines.push(`    jobId: ${action.jobId}`);
    }
  }
  return lines;
}

const eventLine = (e: EntityEvent): string =>
  `event ${e.event_id}: ${e.event_type} ${e.entity_type} ${e.entity_id} (org ${e.org_id ?? 'none'}, seq ${e.seq})`;

const DRY_RUN_NOTE = `dry run: nothing was sent. { secret } references are never resolved (shown as ${REDACTED}); { env } references are read from this shell's environment (or their default; \${NAME} when unset); credential headers and signing keys are ${REDACTED}.`;

interface ObserversFlags {
  schema?: string;
  nats?: string | false;
  natsUrl?: string;
  org?: string;
  json?: boolean;
}

function sharedOptions(command: Command): Command {
  return command
    .option('--schema <file>', 'a TypeScript schema entry or a schema.compiled.json (default: the active schema of FRAISEQL_SCHEMA)')
    .option(
      '--nats <url>',
      `NATS server for the admin rules (${KV_BUCKETS.observers}); default $FRAISEQL_NATS_URL or ${DEFAULT_NATS_URL} if it answers`,
    )
    .addOption(new Option('--nats-url <url>', 'the same as --nats').hideHelp())
    .option('--no-nats', 'do not read admin rules: the schema’s rules only')
    .option('--org <id>', 'only the rules that fire for this org')
    .option('--json', 'machine-readable output');
}

function reportOptions(flags: ObserversFlags): ObserversOptions {
  if (typeof flags.nats === 'string' && flags.natsUrl !== undefined) throw usage('give --nats or --nats-url, not both');
  if (flags.org !== undefined && flags.org.trim() === '') throw usage('--org expects an org id');
  return { schema: flags.schema, nats: flags.nats === false ? false : (flags.nats ?? flags.natsUrl), org: flags.org };
}

function usage(message: string): FraiseqlError {
  return new FraiseqlError('FRAISEQL_BAD_REQUEST', message);
}

function printNotes(report: ObserversReport, output: CommandOutput): void {
  for (const note of report.notes) output.error(`note: ${note}`);
}

export function registerObserversCommand(program: Command, output: CommandOutput): void {
  const observers = program
    .command('observers')
    .description(`Observer rules in force (compiled schema + ${KV_BUCKETS.observers}): list them, dry-run them on an event`);
  sharedOptions(
    observers.command('list').description('List every rule in force, and the admin rules observer-worker refuses (with why)'),
  ).action(async (flags: ObserversFlags) => {
    const report = await loadObserversReport(reportOptions(flags));
    printNotes(report, output);
    if (flags.json) {
      for (const rule of report.rules) output.info(JSON.stringify(listJson(rule)));
      return;
    }
    if (report.rules.length > 0) for (const line of formatRuleTable(report.rules)) output.info(line);
    const admin = report.rules.filter((r) => r.origin === 'admin');
    const refused = admin.filter((r) => r.refused).length;
    output.error(
      `${report.rules.length} rule(s): ${report.rules.length - admin.length} from the schema (${report.schemaSource}), ${
        report.adminRulesRead ? `${admin.length} admin (${refused} refused)` : 'admin rules not read'
      }`,
    );
  });
  sharedOptions(
    observers
      .command('test [rule]')
      .description('Dry run: which rules an event fires, and what each action would send (nothing is sent; secrets redacted)')
      .requiredOption('--event <file>', 'a JSON file holding one EntityEvent')
      .option('-v, --verbose', 'also say why each other rule does not fire'),
  ).action(async (ruleName: string | undefined, flags: ObserversFlags & { event: string; verbose?: boolean }) => {
    const event = await readEventFile(flags.event);
    const report = await loadObserversReport(reportOptions(flags));
    printNotes(report, output);
    const verdicts = await dryRunObservers(report.rules, event, ruleName);
    const matched = verdicts.filter((v) => v.matched).length;
    if (flags.json) {
      output.info(JSON.stringify({ event, dryRun: true, matched, rules: verdicts }, null, 2));
      return;
    }
    output.info(eventLine(event));
    for (const line of formatVerdicts(verdicts, flags.verbose === true || ruleName !== undefined)) output.info(line);
    output.info(`${matched} of ${verdicts.length} rule(s) match`);
    output.error(DRY_RUN_NOTE);
  });
}
