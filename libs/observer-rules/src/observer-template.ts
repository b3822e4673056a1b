import type { EntityEvent } from '@fraiseql/events';
import { Liquid, type Template as LiquidTemplate } from 'liquidjs';
import { LRUCache } from 'lru-cache';
import { fieldAtPath, type ObserverEntity } from './observer-entity';
import { JSON_TARGETS, OUTPUT_ESCAPE, type TemplateTarget } from './template-target';

/** Bounds of one template (docs/observers.md, "Templates"): a template cannot hang or flood a worker. */
export const TEMPLATE_LIMITS = {
  /** Characters of template source. */
  maxSourceLength: 65_536,
  /** Milliseconds of rendering (LiquidJS renderLimit). */
  renderMs: 200,
  /** Bytes of output. */
  maxOutputBytes: 1_048_576,
  /** LiquidJS memoryLimit (roughly: characters allocated by loops and string filters). */
  memory: 10_000_000,
};

/** The variables of a template: the event's members, and the whole envelope as `event`. */
export const TEMPLATE_VARIABLES = [
  'event',
  'event_id',
  'seq',
  'event_type',
  'entity_type',
  'entity_id',
  'org_id',
  'user_id',
  'timestamp',
  'data',
  'before',
  'changed_fields',
  'schema_version',
] as const;

const ENVELOPE_MEMBERS: ReadonlySet<string> = new Set(TEMPLATE_VARIABLES.filter((v) => v !== 'event'));

/** Tags that read other templates from disk: never available to rules. */
const FORBIDDEN_TAGS = ['include', 'render', 'layout'];

const engines = new Map<TemplateTarget, Liquid>();

function engineFor(target: TemplateTarget): Liquid {
  const known = engines.get(target);
  if (known) return known;
  const engine = new Liquid({
    strictFilters: true,
    // Unknown variables are refused at validation (checkTemplate); at render a declared field missing
    // from the event's data renders as null, like a condition reads it.
    strictVariables: false,
    ownPropertyOnly: true,
    outputEscape: OUTPUT_ESCAPE[target],
    parseLimit: TEMPLATE_LIMITS.maxSourceLength,
    renderLimit: TEMPLATE_LIMITS.renderMs,
    memoryLimit: TEMPLATE_LIMITS.memory,
    cache: false,
    relativeReference: false,
    root: [],
    partials: [],
    layouts: [],
  });
  // `raw` would bypass the escaping: here it is an ordinary identity filter, escaped like any other output.
  engine.registerFilter('raw', (value: unknown) => value);
  for (const tag of FORBIDDEN_TAGS) {
    engine.registerTag(tag, {
      parse() {
        throw new Error(`the ${tag} tag is not available in observer templates`);
      },
      render() {
        return '';
      },
    });
  }
  engines.set(target, engine);
  return engine;
}

/** A template parsed once for one target. */
export interface CompiledTemplate {
  readonly source: string;
  readonly target: TemplateTarget;
  /** Renders against an event; throws on a limit, on invalid JSON for the JSON targets, or on CR/LF in a `line`. */
  render(event: EntityEvent): string;
}

const cache = new LRUCache<string, CompiledTemplate>({ max: 10_000 });

/** The template's context: the event's members, and the whole envelope as `event`. */
export function templateContext(event: EntityEvent): Record<string, unknown> {
  return { ...event, before: event.before ?? null, event };
}

/** Parses a template for a target (cached); throws when it does not parse (syntax, unknown filter, forbidden tag, size). */
export function compileTemplate(source: string, target: TemplateTarget): CompiledTemplate {
  const key = `${target}\u0000${source}`;
  const known = cache.get(key);
  if (known) return known;
  if (source.length > TEMPLATE_LIMITS.maxSourceLength) throw new Error(`longer than ${TEMPLATE_LIMITS.maxSourceLength} characters`);
  const engine = engineFor(target);
  const parsed: LiquidTemplate[] = engine.parse(source);
  const compiled: CompiledTemplate = {
    source,
    target,
    render(event) {
      const output = engine.renderSync(parsed, templateContext(event)) as string;
      if (Buffer.byteLength(output) > TEMPLATE_LIMITS.maxOutputBytes) {
        throw new Error(`rendered more than ${TEMPLATE_LIMITS.maxOutputBytes} bytes`);
      }
      if (JSON_TARGETS.has(target)) {
        try {
          JSON.parse(output);
        } catch (error) {
          throw new Error(`did not render valid JSON (${(error as Error).message}); write {{ value }} without quotes, it is JSON-encoded`);
        }
      }
      if (target === 'line' && /[\r\n]/.test(output)) throw new Error('rendered a line break (a header, subject or address is one line)');
      return output;
    },
  };
  cache.set(key, compiled);
  return compiled;
}

/** The variables a template reads, as segment lists (`[['data', 'customer', 'email']]`). */
function variablesOf(target: TemplateTarget, source: string): Array<Array<string | number | unknown>> {
  return engineFor(target).globalVariableSegmentsSync(source) as Array<Array<string | number | unknown>>;
}

/** Why the variable is refused, or undefined: an unknown root, envelope member or entity field. */
function variableProblem(entity: ObserverEntity, segments: readonly unknown[]): string | undefined {
  const names: string[] = [];
  for (const s of segments) {
    if (typeof s !== 'string' && typeof s !== 'number') break;
    names.push(String(s));
  }
  if (names.length === 0) return undefined;
  const [root, ...rest] = names;
  const shown = names.join('.');
  if (!(TEMPLATE_VARIABLES as readonly string[]).includes(root)) {
    return `unknown variable ${root} (the variables are ${TEMPLATE_VARIABLES.join(', ')})`;
  }
  if (root === 'event') {
    if (rest.length === 0) return undefined;
    if (!ENVELOPE_MEMBERS.has(rest[0])) return `unknown variable ${shown} (event has ${[...ENVELOPE_MEMBERS].join(', ')})`;
    return variableProblem(entity, rest);
  }
  if (root !== 'data' && root !== 'before')
    return rest.length > 0 && root !== 'changed_fields' ? `${root} has no member ${rest[0]}` : undefined;
  for (let i = 1; i <= rest.length; i++) {
    const field = fieldAtPath(entity.fields, rest.slice(0, i));
    if (!field) return `unknown field ${root}.${rest.slice(0, i).join('.')} (${entity.name} has no field "${rest.slice(0, i).join('.')}")`;
    if (field.kind === 'scalar' && field.type === 'json') return undefined;
    if (field.kind === 'list' && i < rest.length && (rest[i] === 'size' || rest[i] === 'first' || rest[i] === 'last')) return undefined;
    if (field.kind === 'scalar' && i < rest.length && rest[i] === 'size' && field.type === 'string') return undefined;
  }
  return undefined;
}

/** A sample event for the entity (every declared field with a value of its type), to test-render JSON templates. */
export function sampleEvent(entity: ObserverEntity, eventType: string): EntityEvent {
  const sample = (type: import('./observer-entity').ObserverFieldType): unknown => {
    if (type.kind === 'list') return [sample(type.item)];
    if (type.kind === 'object') return Object.fromEntries(Object.entries(type.fields).map(([k, v]) => [k, sample(v)]));
    return { string: type.values?.[0] ?? 'sample "text" <b>&</b>', int: 1, float: 1.5, bool: true, json: { sample: true } }[type.type];
  };
  const data = sample({ kind: 'object', fields: entity.fields, nullable: false }) as Record<string, unknown>;
  return {
    event_id: '01890000-0000-7000-8000-000000000000',
    seq: 1,
    event_type: eventType,
    entity_type: entity.name,
    entity_id: 'sample-id',
    org_id: entity.tenantScoped ? '00000000-0000-4000-8000-000000000000' : null,
    user_id: null,
    timestamp: '2024-01-01T00:00:00.000000Z',
    data,
    before: eventType === 'UPDATE' && entity.preImages ? data : null,
    changed_fields: eventType === 'UPDATE' ? Object.keys(data) : [],
    schema_version: null,
  };
}

/**
 * Every reason a template is refused for this entity and target: it does not parse (syntax, unknown
 * filter, include/render/layout), reads an unknown variable or field, or (JSON targets) does not
 * render valid JSON for a sample event. Empty when accepted.
 */
export function checkTemplate(source: string, target: TemplateTarget, entity: ObserverEntity, eventTypes: readonly string[]): string[] {
  let compiled: CompiledTemplate;
  try {
    compiled = compileTemplate(source, target);
  } catch (error) {
    return [`does not parse: ${firstLine(error)}`];
  }
  const problems = [...new Set(variablesOf(target, source).map((s) => variableProblem(entity, s)))].filter(
    (p): p is string => p !== undefined,
  );
  if (problems.length > 0) return problems;
  for (const eventType of eventTypes) {
    try {
      compiled.render(sampleEvent(entity, eventType));
    } catch (error) {
      return [`fails on a sample ${eventType} event: ${firstLine(error)}`];
    }
  }
  return [];
}

const firstLine = (error: unknown): string => String((error as Error)?.message ?? error).split('\n')[0];
