import type {
  CompiledArgument,
  CompiledField,
  CompiledInputType,
  CompiledMutation,
  CompiledNativeField,
  CompiledQuery,
  CompiledSubscription,
  CompiledType,
  InputTypeRef,
  ScalarName,
  TypeRef,
} from './compiled-schema';
import { CHANGE_OPERATIONS, MUTATION_ERROR_CLASSES, SCALAR_NAMES } from './compiled-schema';
import {
  CHANGE_OPERATION_ENUM,
  connectionTypeName,
  edgeTypeName,
  FIELD_ERROR_TYPE,
  filterName,
  MUTATION_ERROR_CLASS_ENUM,
  MUTATION_ERROR_TYPE,
  listFilterName,
  orderByInputName,
  sortFieldEnumName,
  whereInputName,
} from './sdl-names';
import { listSortFields } from './sort-fields';

/** Scalars graphql-js does not define; the runtime gives them parse/validate functions (attachScalars). */
const CUSTOM_SCALAR_DESCRIPTIONS: Readonly<Record<'DateTime' | 'Date' | 'UUID' | 'JSON' | 'Decimal', string>> = {
  DateTime: 'An instant as ISO-8601 / RFC 3339 text with a time zone, e.g. 2024-05-01T12:30:00.000Z.',
  Date: 'A calendar date as ISO-8601 text, e.g. 2024-05-01.',
  UUID: 'A UUID in its canonical text form.',
  JSON: 'Any JSON value.',
  Decimal: 'An exact decimal number; output as a JSON number, input as a number or numeric string.',
};

/** Scalars with an order (gt/gte/lt/lte filters). */
const ORDERED_SCALARS: ReadonlySet<string> = new Set(['Int', 'Float', 'Decimal', 'DateTime', 'Date', 'String', 'ID', 'UUID']);
/** Scalars with text pattern filters. */
const TEXT_SCALARS: ReadonlySet<string> = new Set(['String', 'ID']);
const TEXT_OPERATORS = ['like', 'ilike', 'contains', 'startsWith', 'endsWith', 'icontains', 'istartsWith', 'iendsWith'];

const quote = (text: string): string => JSON.stringify(text);
const describe = (description: string | undefined, indent = ''): string =>
  description === undefined ? '' : `${indent}${quote(description)}\n`;
const deprecated = (reason: string | undefined): string => (reason === undefined ? '' : ` @deprecated(reason: ${quote(reason)})`);

/** The SDL spelling of a field's type: `String`, `[String!]!`, `User`. */
export function sdlTypeOf(ref: TypeRef | InputTypeRef): string {
  if (ref.list) return `[${ref.name}${ref.list.itemNullable ? '' : '!'}]${ref.nullable ? '' : '!'}`;
  return `${ref.name}${ref.nullable ? '' : '!'}`;
}

const block = (keyword: string, name: string, lines: string[], description?: string): string =>
  `${describe(description)}${keyword} ${name} {\n${lines.map((l) => `  ${l}`).join('\n')}\n}`;

function scalarFilter(scalar: ScalarName): string {
  if (scalar === 'JSON') {
    return block(
      'input',
      filterName(scalar),
      ['eq: JSON', 'isNull: Boolean', 'contains: JSON', 'containedBy: JSON', 'hasKey: String'],
      'Conditions on a JSON value: equality, containment (contains = jsonb @>, containedBy = <@) and key existence.',
    );
  }
  const lines = [`eq: ${scalar}`, `neq: ${scalar}`, `in: [${scalar}!]`, `nin: [${scalar}!]`, 'isNull: Boolean'];
  if (ORDERED_SCALARS.has(scalar)) lines.push(...['gt', 'gte', 'lt', 'lte'].map((op) => `${op}: ${scalar}`));
  if (TEXT_SCALARS.has(scalar)) lines.push(...TEXT_OPERATORS.map((op) => `${op}: String`));
  return block('input', filterName(scalar), lines, `Conditions on a value of type ${scalar}; all given conditions must hold.`);
}

const enumFilter = (name: string): string =>
  block(
    'input',
    filterName(name),
    [`eq: ${name}`, `neq: ${name}`, `in: [${name}!]`, `nin: [${name}!]`, 'isNull: Boolean'],
    `Conditions on a value of type ${name}; all given conditions must hold.`,
  );

const valueListFilter = (item: string): string =>
  block(
    'input',
    listFilterName(item),
    [`contains: [${item}!]`, `overlaps: [${item}!]`, 'isNull: Boolean'],
    `Conditions on a list of ${item}: contains = has all the given values, overlaps = has any of them.`,
  );

const objectListFilter = (item: string): string =>
  block(
    'input',
    listFilterName(item),
    [`some: ${whereInputName(item)}`, `none: ${whereInputName(item)}`, `every: ${whereInputName(item)}`],
    `Conditions on a list of ${item}: some, none or every item matches.`,
  );

/** Arguments on one line, or one per line (as graphql-js prints them) when any has a description. */
function argumentList(args: readonly CompiledArgument[]): string {
  if (args.length === 0) return '';
  if (args.every((a) => a.description === undefined)) return `(${args.map((a) => `${a.name}: ${a.type}`).join(', ')})`;
  const lines = args.map((a) => `${a.description === undefined ? '' : `    ${quote(a.description)}\n`}    ${a.name}: ${a.type}`);
  return `(\n${lines.join('\n')}\n  )`;
}

function fieldLine(f: { name: string; description?: string; deprecationReason?: string }, type: string, args = ''): string {
  return `${f.description === undefined ? '' : `${quote(f.description)}\n  `}${f.name}${args}: ${type}${deprecated(f.deprecationReason)}`;
}

/** The mutation and subscription part of a compiled schema (absent or empty: no Mutation / Subscription type). */
export interface MutationSurface {
  inputTypes: readonly CompiledInputType[];
  mutations: readonly CompiledMutation[];
  subscriptions?: readonly CompiledSubscription[];
  /** Root fields the query-executor resolves itself (ADR 0105): after the planned fields of their root type. */
  nativeFields?: readonly CompiledNativeField[];
}

/** The message of a success type: non-null, the same type as `MutationError.message`. */
const SUCCESS_MESSAGE_FIELD = fieldLine(
  { name: 'message', description: 'What the mutation did, as its function put it; empty when the function returned no message.' },
  'String!',
);

/** The types shared by every mutation result (docs/adr/0082-mutations.md). */
function mutationErrorTypes(): string[] {
  return [
    block(
      'enum',
      MUTATION_ERROR_CLASS_ENUM,
      [...MUTATION_ERROR_CLASSES],
      'Why a mutation failed: VALIDATION (422), CONFLICT (409), NOT_FOUND (404), UNAUTHORIZED (401), FORBIDDEN (403), RATE_LIMITED (429), TIMEOUT (504), INTERNAL (500).',
    ),
    block(
      'type',
      FIELD_ERROR_TYPE,
      ['"Path of the input field, e.g. items.0.quantity."\n  field: String!', 'message: String!'],
      'A problem with one input field.',
    ),
    block(
      'type',
      MUTATION_ERROR_TYPE,
      ['errorClass: MutationErrorClass!', 'message: String!', 'fieldErrors: [FieldError!]!'],
      'A mutation that did not succeed; nothing was written.',
    ),
  ];
}

const inputBlocks = (inputTypes: readonly CompiledInputType[]): string[] =>
  inputTypes.map((input) =>
    block(
      'input',
      input.name,
      input.fields.map((f) => fieldLine(f, sdlTypeOf(f.type))),
      input.description,
    ),
  );

const nativeFieldLines = (fields: readonly CompiledNativeField[], operation: CompiledNativeField['operation']): string[] =>
  fields.filter((f) => f.operation === operation).map((f) => fieldLine(f, f.type, argumentList(f.arguments)));

function mutationBlocks(surface: MutationSurface): string[] {
  const out: string[] = inputBlocks(surface.inputTypes);
  if (surface.mutations.length > 0) out.push(...mutationErrorTypes());
  for (const m of surface.mutations) {
    // `message: String!` like MutationError.message, so a client may select `message` in both
    // branches of the union without an alias (graphql-js refuses fields of one name with
    // different types in one selection set). A function returning no message gives ''.
    out.push(
      block('type', m.successType, [`${m.entityField}: ${m.entityType}!`, SUCCESS_MESSAGE_FIELD], `The result of a successful ${m.name}.`),
    );
    out.push(
      `${describe(`The result of ${m.name}: ${m.successType} or MutationError.`)}union ${m.resultType} = ${m.successType} | ${MUTATION_ERROR_TYPE}`,
    );
  }
  const lines = surface.mutations.map((m) => fieldLine(m, `${m.resultType}!`, `(input: ${m.inputType}!)`));
  lines.push(...nativeFieldLines(surface.nativeFields ?? [], 'mutation'));
  out.push(block('type', 'Mutation', lines));
  return out;
}

/**
 * `enum ChangeOperation`, one change type per subscribed entity, and `type Subscription` (docs/adr/0083-subscriptions.md),
 * with the native subscription fields after the entity ones.
 */
function subscriptionBlocks(subscriptions: readonly CompiledSubscription[], nativeFields: readonly CompiledNativeField[]): string[] {
  const out: string[] =
    subscriptions.length > 0
      ? [block('enum', CHANGE_OPERATION_ENUM, [...CHANGE_OPERATIONS], 'The kind of change an entity event records.')]
      : [];
  const seen = new Set<string>();
  for (const s of subscriptions) {
    if (seen.has(s.changeType)) continue;
    seen.add(s.changeType);
    out.push(
      block(
        'type',
        s.changeType,
        [
          `operation: ${CHANGE_OPERATION_ENUM}!`,
          '"The event id (UUID v7, time-ordered): the idempotency key of the change."\n  eventId: ID!',
          '"Commit time of the change."\n  timestamp: DateTime!',
          '"Top-level fields that changed (UPDATE); empty for INSERT and DELETE."\n  changedFields: [String!]!',
          `"The ${s.entityType} after the change (as it was, for DELETE)."\n  ${s.entityField}: ${s.entityType}!`,
          `"The ${s.entityType} before an UPDATE, when the entity keeps pre-images; else null."\n  before: ${s.entityType}`,
        ],
        `One committed change of a ${s.entityType}.`,
      ),
    );
  }
  const lines = subscriptions.map((s) =>
    fieldLine(s, `${s.changeType}!`, `(where: ${whereInputName(s.entityType)}, operations: [${CHANGE_OPERATION_ENUM}!])`),
  );
  lines.push(...nativeFieldLines(nativeFields, 'subscription'));
  out.push(block('type', 'Subscription', lines));
  return out;
}

/**
 * Generates the GraphQL SDL for compiled types, queries and mutations (build plan, "The GraphQL
 * surface"; docs/adr/0082-mutations.md). Output depends only on the input order, so it is
 * deterministic. Filter inputs for scalars, enums and lists are emitted only where a field uses them.
 */
export function generateSdl(types: readonly CompiledType[], queries: readonly CompiledQuery[], surface?: MutationSurface): string {
  const byName = new Map(types.map((t) => [t.name, t]));
  const usedFilters = new Set<string>(); // scalar or enum names with a <X>Filter
  const usedValueListFilters = new Set<string>();
  const usedObjectListFilters = new Set<string>();
  const connectionEntities = new Set(queries.filter((q) => q.kind === 'connection').map((q) => q.type));

  const whereLine = (f: CompiledField): string => {
    const { kind, name, list } = f.type;
    let input: string;
    if (kind === 'object') {
      if (list) {
        usedObjectListFilters.add(name);
        input = listFilterName(name);
      } else {
        input = whereInputName(name);
      }
    } else if (list) {
      usedValueListFilters.add(name);
      input = listFilterName(name);
    } else {
      usedFilters.add(name);
      input = filterName(name);
    }
    return `${f.name}: ${input}`;
  };

  const typeBlocks = new Map<string, string[]>();
  for (const type of types) {
    const blocks: string[] = [];
    if (type.kind === 'enum') {
      const values = (type.values ?? []).map(
        (v) => `${v.description === undefined ? '' : `${quote(v.description)}\n  `}${v.name}${deprecated(v.deprecationReason)}`,
      );
      blocks.push(block('enum', type.name, values, type.description));
    } else {
      blocks.push(
        block(
          'type',
          type.name,
          type.fields.map((f) => fieldLine(f, sdlTypeOf(f.type))),
          type.description,
        ),
      );
      const where = whereInputName(type.name);
      if (!type.native)
        blocks.push(
          block(
            'input',
            where,
            [...type.fields.filter((f) => f.filterable).map(whereLine), `and: [${where}!]`, `or: [${where}!]`, `not: ${where}`],
            `Conditions on ${type.name}; all given conditions must hold.`,
          ),
        );
    }
    if (type.kind === 'entity') {
      const sortFields = listSortFields(byName, type.name).map((s) => s.name);
      blocks.push(
        block(
          'enum',
          sortFieldEnumName(type.name),
          sortFields,
          `Values ${type.name} can be ordered by; nested paths are joined with "__".`,
        ),
      );
      blocks.push(
        block(
          'input',
          orderByInputName(type.name),
          [`field: ${sortFieldEnumName(type.name)}!`, 'direction: SortDirection = ASC', 'nulls: NullsOrder'],
          `One ordering key for ${type.name}.`,
        ),
      );
      if (connectionEntities.has(type.name)) {
        blocks.push(
          block(
            'type',
            connectionTypeName(type.name),
            [`edges: [${edgeTypeName(type.name)}!]!`, 'pageInfo: PageInfo!', 'totalCount: Int!'],
            `A page of ${type.name} (Relay connection).`,
          ),
        );
        blocks.push(block('type', edgeTypeName(type.name), ['cursor: String!', `node: ${type.name}!`]));
      }
    }
    typeBlocks.set(type.name, blocks);
  }

  const queryLines = queries.map((q) => {
    const args = argumentList(q.arguments);
    const result = q.kind === 'list' ? `[${q.type}!]!` : q.kind === 'connection' ? `${connectionTypeName(q.type)}!` : q.type;
    return fieldLine(q, result, args);
  });
  queryLines.push(...nativeFieldLines(surface?.nativeFields ?? [], 'query'));

  const out: string[] = [];
  for (const [name, description] of Object.entries(CUSTOM_SCALAR_DESCRIPTIONS)) out.push(`${describe(description)}scalar ${name}`);
  out.push(block('enum', 'SortDirection', ['ASC', 'DESC']));
  out.push(block('enum', 'NullsOrder', ['FIRST', 'LAST']));
  if (connectionEntities.size > 0) {
    out.push(block('type', 'PageInfo', ['hasNextPage: Boolean!', 'hasPreviousPage: Boolean!', 'startCursor: String', 'endCursor: String']));
  }
  const scalarSet: ReadonlySet<string> = new Set(SCALAR_NAMES);
  for (const scalar of SCALAR_NAMES) if (usedFilters.has(scalar)) out.push(scalarFilter(scalar));
  for (const scalar of SCALAR_NAMES) if (usedValueListFilters.has(scalar)) out.push(valueListFilter(scalar));
  for (const type of types) {
    out.push(...(typeBlocks.get(type.name) ?? []));
    if (scalarSet.has(type.name)) continue;
    if (type.kind === 'enum') {
      if (usedFilters.has(type.name)) out.push(enumFilter(type.name));
      if (usedValueListFilters.has(type.name)) out.push(valueListFilter(type.name));
    } else if (usedObjectListFilters.has(type.name)) {
      out.push(objectListFilter(type.name));
    }
  }
  out.push(block('type', 'Query', queryLines));
  if (surface && (surface.mutations.length > 0 || nativeFieldLines(surface.nativeFields ?? [], 'mutation').length > 0))
    out.push(...mutationBlocks(surface));
  else if (surface && surface.inputTypes.length > 0) out.push(...inputBlocks(surface.inputTypes));
  const nativeSubscriptions = (surface?.nativeFields ?? []).filter((f) => f.operation === 'subscription');
  if ((surface?.subscriptions && surface.subscriptions.length > 0) || nativeSubscriptions.length > 0)
    out.push(...subscriptionBlocks(surface?.subscriptions ?? [], nativeSubscriptions));
  return `${out.join('\n\n')}\n`;
}
