import { createHash } from 'node:crypto';
import { FraiseqlError } from '@fraiseql/errors';
import { isUuid, normalizeUuid, requireOrg, type Caller } from '@fraiseql/identity';
import {
  buildGraphQLSchema,
  type CompiledMutation,
  type CompiledNativeField,
  type CompiledQuery,
  type CompiledSchema,
} from '@fraiseql/schema';
import {
  GraphQLError,
  Kind,
  executeSync,
  getArgumentValues,
  getNamedType,
  getVariableValues,
  parse,
  validate,
  visit,
  type DirectiveNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLSchema,
} from 'graphql';
import { LRUCache } from 'lru-cache';
import type { ArrowColumnNode, ArrowQueryPlan } from './arrow-query-plan';
import { inlinableValues } from './arrow-parameters';
import { arrowListStatement, type ArrowListShape, type ArrowStatement } from './arrow-statement';
import { collectFields, type SelectionContext } from './collect-fields';
import { CursorCodec } from './cursor-codec';
import { DocumentMeasure, countAliases } from './document-measure';
import { FieldAccess, isForbidden } from './field-access';
import { GraphqlRequestError } from './graphql-request-error';
import { mutationStatement } from './mutation-statement';
import type { NativeSelection, OperationPlan, PlanStep, PreparedOperation } from './plan-types';
import { DEFAULT_LIMITS, DEFAULT_NESTED_LIST_ESTIMATE, type PlannerLimits } from './planner-limits';
import {
  connectionStatement,
  listStatement,
  lookupStatement,
  readConnectionSelection,
  type ConnectionSelection,
  type ConnectionShape,
  type ListShape,
  type LookupShape,
} from './root-statements';
import { SchemaIndex } from './schema-index';
import { orderingSignature, readSortKeys, type SortKey } from './sort-keys';
import { StatementParams } from './statement-params';
import { WhereReader, type WhereNode } from './where-filter';

export interface QueryPlannerOptions {
  /** Key of the cursor signatures (HMAC-SHA256). Rotating it invalidates every cursor. */
  cursorSecret: string | Buffer;
  limits?: Partial<PlannerLimits>;
  /** The executable schema; default buildGraphQLSchema(compiled) from @fraiseql/schema. */
  graphqlSchema?: GraphQLSchema;
  /** Prepared operations kept (LRU); SQL texts are kept for four times as many. Default 1000. */
  cacheSize?: number;
  /** Assumed length of a list nested in data when estimating cost. Default 10. */
  nestedListEstimate?: number;
  /**
   * Checks (and may normalize) a mutation's coerced `input` before it is bound: return the input to send,
   * or throw a FraiseqlError to refuse the field (it is then null with that error, and its function
   * never runs). The query-executor validates observer rules this way (docs/adr/0104-admin-observer-api.md).
   */
  mutationInputCheck?: MutationInputCheck;
}

/** What a `mutationInputCheck` sees: the compiled mutation, its coerced input, the caller and the schema planned against. */
export interface MutationInputCheckRequest {
  mutation: CompiledMutation;
  input: unknown;
  caller: Caller;
  schema: CompiledSchema;
}

export type MutationInputCheck = (request: MutationInputCheckRequest) => unknown;

const MAX_SELECTION_VARIANTS = 64;

/** What one root response key becomes, before the variables' values are known. */
type RootTemplate =
  | { kind: 'json'; responseKey: string; json: string }
  | { kind: 'introspection'; responseKey: string; nodes: FieldNode[] }
  | { kind: 'error'; responseKey: string; error: FraiseqlError }
  | {
      kind: 'query';
      responseKey: string;
      query: CompiledQuery;
      fieldDef: GraphQLField<unknown, unknown>;
      nodes: FieldNode[];
      /** Operation hash + @skip/@include outcome + response key: the selection's identity. */
      cacheKey: string;
      connection?: ConnectionSelection;
    }
  | {
      kind: 'mutation';
      responseKey: string;
      mutation: CompiledMutation;
      fieldDef: GraphQLField<unknown, unknown>;
      nodes: FieldNode[];
      cacheKey: string;
    }
  | {
      kind: 'native';
      responseKey: string;
      field: CompiledNativeField;
      fieldDef: GraphQLField<unknown, unknown>;
      nodes: FieldNode[];
      /** The operation reduced to this root field (with the fragments), for graphql-js to complete the value against. */
      document: DocumentNode;
    };

/** The per-operation analysis kept next to a PreparedOperation. */
interface OperationAnalysis {
  fragments: Record<string, FragmentDefinitionNode>;
  /** Variables deciding some @skip/@include: their values select the selection variant. */
  directiveVariables: string[];
  pageSizeFromVariables: boolean;
  /** Root templates per @skip/@include outcome. */
  variants: Map<string, RootTemplate[]>;
}

type PreparedEntry = { op: PreparedOperation } | { error: GraphqlRequestError };

interface Statement {
  name: string;
  text: string;
}

/** A variables' binding of a prepared operation: coerced values and the root templates they select. */
interface BoundOperation {
  analysis: OperationAnalysis;
  values: Record<string, unknown>;
  /** The @skip/@include outcome. */
  variant: string;
  roots: RootTemplate[];
  ctx: SelectionContext;
}

const FLIGHT_ACCEPTS = 'Flight serves one root field, a list query (such as `orders(where, orderBy, limit, offset)`), in a query operation';

/**
 * Turns GraphQL operations into one parameterised SQL statement per root field, over the
 * compiled schema's views, with PostgreSQL building the JSON. See README.md.
 */
export class QueryPlanner {
  readonly schemaHash: string;
  /** The compiled schema planned against (subscriptions compile their filters and projections from it). */
  readonly compiled: CompiledSchema;
  readonly graphqlSchema: GraphQLSchema;
  private readonly limits: PlannerLimits;
  private readonly nestedListEstimate: number;
  private readonly index: SchemaIndex;
  private readonly cursors: CursorCodec;
  private readonly prepared: LRUCache<string, PreparedEntry>;
  private readonly statements: LRUCache<string, Statement>;
  private readonly arrowStatements: LRUCache<string, ArrowStatement>;
  private readonly introspection = new LRUCache<string, string>({ max: 200 });
  private readonly analyses = new WeakMap<PreparedOperation, OperationAnalysis>();
  private readonly mutationInputCheck: MutationInputCheck | undefined;
  /** Native fields by `<operation>:<name>`. */
  private readonly nativeFields: ReadonlyMap<string, CompiledNativeField>;

  constructor(compiled: CompiledSchema, options: QueryPlannerOptions) {
    this.schemaHash = compiled.hash;
    this.compiled = compiled;
    this.graphqlSchema = options.graphqlSchema ?? buildGraphQLSchema(compiled);
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.nestedListEstimate = options.nestedListEstimate ?? DEFAULT_NESTED_LIST_ESTIMATE;
    this.index = new SchemaIndex(compiled);
    this.cursors = new CursorCodec(options.cursorSecret, compiled.hash);
    const size = Math.max(1, options.cacheSize ?? 1000);
    this.prepared = new LRUCache({ max: size });
    this.statements = new LRUCache({ max: size * 4 });
    this.arrowStatements = new LRUCache({ max: size });
    this.mutationInputCheck = options.mutationInputCheck;
    this.nativeFields = new Map((compiled.nativeFields ?? []).map((f) => [`${f.operation}:${f.name}`, f]));
  }

  /** Size check, parse, limits, operation choice and validation; cached by text and operation name. */
  prepare(request: { query: string; operationName?: string | null }): PreparedOperation {
    const { query } = request;
    const operationName = request.operationName ?? null;
    if (typeof query !== 'string' || query.length === 0)
      throw GraphqlRequestError.of('FRAISEQL_BAD_REQUEST', 'The request has no query document.');
    // Checked before any other work, including the cache lookup's hashing of the text.
    if (query.length > this.limits.maxDocumentBytes || Buffer.byteLength(query, 'utf8') > this.limits.maxDocumentBytes) {
      throw GraphqlRequestError.of('FRAISEQL_DOCUMENT_TOO_LARGE', `The document is larger than ${this.limits.maxDocumentBytes} bytes.`, {
        maxDocumentBytes: this.limits.maxDocumentBytes,
      });
    }
    const key = `${operationName ?? ''}\u0000${query}`;
    let entry = this.prepared.get(key);
    if (!entry) {
      try {
        entry = { op: this.prepareDocument(query, operationName) };
      } catch (error) {
        if (!(error instanceof GraphqlRequestError)) throw error;
        entry = { error };
      }
      this.prepared.set(key, entry);
    }
    if ('error' in entry) throw entry.error;
    return entry.op;
  }

  /** Coerces variables, reads arguments and builds one step per root response key. */
  plan(op: PreparedOperation, variables: Record<string, unknown> | null | undefined, caller: Caller): OperationPlan {
    if (op.operationType === 'subscription') {
      throw GraphqlRequestError.of('FRAISEQL_OPERATION_NOT_SUPPORTED', `${op.operationType} operations are not supported yet.`);
    }
    const { analysis, values, variant, roots, ctx } = this.bind(op, variables);
    const access = new FieldAccess(this.index, caller.roles);
    const steps = roots.map((root): PlanStep => {
      switch (root.kind) {
        case 'json':
          return { kind: 'json', responseKey: root.responseKey, json: root.json };
        case 'error':
          return { kind: 'error', responseKey: root.responseKey, error: root.error };
        case 'introspection':
          return this.introspect(op, analysis, root.responseKey, root.nodes, variables, variant);
        case 'query':
          return this.planQuery(root, values, caller, ctx, access);
        case 'mutation':
          return this.planMutation(root, values, caller, ctx, access);
        case 'native':
          return this.planNative(root, values, variables ?? {}, caller);
      }
    });
    return { operationHash: op.hash, operationType: op.operationType, steps };
  }

  /**
   * One list query as a typed SELECT for Arrow Flight (see ArrowQueryPlan): where, orderBy and
   * offset as in `plan`; `limit` optional and not capped by the query's maxLimit (no limit: every
   * matching row). Anything but one list root field in a query operation is
   * FRAISEQL_OPERATION_NOT_SUPPORTED; a tenant-scoped entity without an org, FRAISEQL_UNAUTHENTICATED.
   */
  planArrow(op: PreparedOperation, variables: Record<string, unknown> | null | undefined, caller: Caller): ArrowQueryPlan {
    if (op.operationType !== 'query') throw notForFlight(`this is a ${op.operationType} operation`);
    const { values, roots, ctx } = this.bind(op, variables);
    if (roots.length !== 1) throw notForFlight(`the operation selects ${roots.length} root fields`);
    const root = roots[0];
    if (root.kind === 'error') throw notForFlight(root.error.message);
    if (root.kind !== 'query') throw notForFlight(`"${root.responseKey}" is not a compiled query`);
    const { query, responseKey } = root;
    if (query.kind !== 'list') throw notForFlight(`${query.name} is a ${query.kind} query`);
    const orgId = this.scopeOrg(query.type, caller);
    requireQueryRole(query, caller);
    const access = new FieldAccess(this.index, caller.roles);
    access.requireType(query.type, `Reading ${query.name}`);

    const params = new StatementParams();
    const org = orgId === null ? null : params.add(orgId);
    const args = readArguments(root.fieldDef, root.nodes[0], values);
    const where = new WhereReader(this.index, params, access).read(args.where, query.type);
    requireSortable(args.orderBy, query, access);
    const keys = readSortKeys(args.orderBy, query, this.index);
    params.mark(`order{${orderingSignature(keys)}}`);
    const shape: ArrowListShape = { org, where, keys, limit: null, offset: null };
    if (args.limit != null) {
      const limit = args.limit;
      if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0) {
        throw GraphqlRequestError.of(
          'FRAISEQL_PAGE_TOO_LARGE',
          `Argument "limit" of ${query.name} must not be negative, got ${String(limit)}.`,
        );
      }
      shape.limit = params.add(limit);
      params.mark('limit');
    }
    if (args.offset != null) {
      if (typeof args.offset !== 'number' || args.offset < 0)
        throw GraphqlRequestError.of('BAD_USER_INPUT', 'Argument "offset" must not be negative.');
      shape.offset = params.add(args.offset);
      params.mark('offset');
    }

    const cacheKey = `${root.cacheKey}|${params.signature()}|a:${access.signature}`;
    let statement = this.arrowStatements.get(cacheKey);
    if (!statement) {
      const built = arrowListStatement(this.index, query, shape, ctx, root.nodes, access);
      // Cached and handed to every caller: frozen so that no caller can change another's plan.
      statement = { sql: built.sql, columns: freezeColumns(built.columns) };
      this.arrowStatements.set(cacheKey, statement);
    }
    return {
      operationHash: op.hash,
      responseKey,
      queryName: query.name,
      entityType: query.type,
      sql: statement.sql,
      values: inlinableValues(params.values),
      columns: statement.columns,
    };
  }

  /** Coerces the variables and picks the root templates of their @skip/@include outcome. */
  private bind(op: PreparedOperation, variables: Record<string, unknown> | null | undefined): BoundOperation {
    const analysis = this.analysis(op);
    const coerced = getVariableValues(this.graphqlSchema, op.operation.variableDefinitions ?? [], variables ?? {}, { maxErrors: 25 });
    if (coerced.errors) throw GraphqlRequestError.fromGraphql('BAD_USER_INPUT', coerced.errors);
    const values = coerced.coerced;
    if (analysis.pageSizeFromVariables) this.checkCost(op, analysis.fragments, values);

    const variant = analysis.directiveVariables.map((name) => (values[name] === true ? '1' : '0')).join('');
    let roots = analysis.variants.get(variant);
    if (!roots) {
      roots = this.rootTemplates(op, analysis, values, variant);
      if (analysis.variants.size >= MAX_SELECTION_VARIANTS) analysis.variants.clear();
      analysis.variants.set(variant, roots);
    }
    return { analysis, values, variant, roots, ctx: { fragments: analysis.fragments, variables: values } };
  }

  /** The org a read of `entityType` is scoped to (null: not tenant-scoped); refused as on every other path when the caller has none. */
  private scopeOrg(entityType: string, caller: Caller): string | null {
    return this.index.isTenantScoped(entityType) ? requireOrg(caller, `Reading ${entityType}`) : null;
  }

  private prepareDocument(query: string, operationName: string | null): PreparedOperation {
    let document: DocumentNode;
    try {
      document = parse(query, { noLocation: false });
    } catch (error) {
      if (error instanceof GraphQLError) throw GraphqlRequestError.fromGraphql('GRAPHQL_PARSE_FAILED', [error]);
      // A document nested so deeply that the parser ran out of stack.
      throw GraphqlRequestError.of('GRAPHQL_PARSE_FAILED', 'The document could not be parsed.');
    }
    const aliases = countAliases(document);
    if (aliases > this.limits.maxAliases) {
      throw GraphqlRequestError.of(
        'FRAISEQL_ALIAS_LIMIT_EXCEEDED',
        `The document uses ${aliases} aliases; at most ${this.limits.maxAliases} are allowed.`,
        { maxAliases: this.limits.maxAliases },
      );
    }
    const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
    const operation =
      operationName === null
        ? operations.length === 1
          ? operations[0]
          : undefined
        : operations.find((o) => o.name?.value === operationName);
    if (!operation) {
      throw GraphqlRequestError.of(
        'FRAISEQL_OPERATION_NOT_FOUND',
        operationName === null
          ? 'The document must contain exactly one operation, or operationName must name one.'
          : `The document has no operation named "${operationName}".`,
      );
    }
    const op: PreparedOperation = {
      hash: createHash('sha256')
        .update(`${operationName ?? ''}\u0000${query}`)
        .digest('hex'),
      operationType: operation.operation,
      operationName: operation.name?.value ?? null,
      document,
      operation,
    };
    // Limits before validation: they are linear in the document, some validation rules are not.
    this.analysis(op);
    const errors = validate(this.graphqlSchema, document, undefined, { maxErrors: 25 });
    if (errors.length > 0) throw GraphqlRequestError.fromGraphql('GRAPHQL_VALIDATION_FAILED', errors);
    return op;
  }

  private analysis(op: PreparedOperation): OperationAnalysis {
    let analysis = this.analyses.get(op);
    if (analysis) return analysis;
    const fragments: Record<string, FragmentDefinitionNode> = Object.create(null);
    for (const d of op.document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
    const pageSizeFromVariables = this.checkCost(op, fragments, undefined);
    const directiveVariables = new Set<string>();
    const collect = {
      Directive(node: DirectiveNode) {
        if (node.name.value !== 'skip' && node.name.value !== 'include') return;
        for (const arg of node.arguments ?? []) if (arg.value.kind === Kind.VARIABLE) directiveVariables.add(arg.value.name.value);
      },
    };
    visit(op.operation, collect);
    for (const fragment of Object.values(fragments)) visit(fragment, collect);
    analysis = { fragments, directiveVariables: [...directiveVariables], pageSizeFromVariables, variants: new Map() };
    this.analyses.set(op, analysis);
    return analysis;
  }

  /** Throws when depth or cost is over the limit; returns whether a page size came from a variable. */
  private checkCost(
    op: PreparedOperation,
    fragments: Record<string, FragmentDefinitionNode>,
    variables: Record<string, unknown> | undefined,
  ): boolean {
    const measure = new DocumentMeasure({
      schema: this.graphqlSchema,
      index: this.index,
      fragments,
      operation: op.operation,
      maxDepth: this.limits.maxDepth,
      nestedListEstimate: this.nestedListEstimate,
      variables,
    });
    const { cost } = measure.measure();
    if (cost > this.limits.maxCost) {
      throw GraphqlRequestError.of(
        'FRAISEQL_COST_LIMIT_EXCEEDED',
        `The query's estimated cost ${cost} exceeds the limit ${this.limits.maxCost}.`,
        { cost, maxCost: this.limits.maxCost },
      );
    }
    return measure.pageSizeFromVariables;
  }

  private rootTemplates(
    op: PreparedOperation,
    analysis: OperationAnalysis,
    variables: Record<string, unknown>,
    variant: string,
  ): RootTemplate[] {
    const ctx: SelectionContext = { fragments: analysis.fragments, variables };
    const isMutation = op.operationType === 'mutation';
    const rootType = isMutation ? this.graphqlSchema.getMutationType() : this.graphqlSchema.getQueryType();
    const templates: RootTemplate[] = [];
    for (const [responseKey, nodes] of collectFields(ctx, op.operation.selectionSet)) {
      const name = nodes[0].name.value;
      if (name === '__typename') {
        templates.push({ kind: 'json', responseKey, json: JSON.stringify(rootType?.name ?? (isMutation ? 'Mutation' : 'Query')) });
        continue;
      }
      const native = this.nativeFields.get(`${isMutation ? 'mutation' : 'query'}:${name}`);
      const nativeDef = native ? rootType?.getFields()[name] : undefined;
      if (native && nativeDef) {
        const document: DocumentNode = {
          kind: Kind.DOCUMENT,
          definitions: [
            { ...op.operation, selectionSet: { kind: Kind.SELECTION_SET, selections: nodes } },
            ...Object.values(analysis.fragments),
          ],
        };
        templates.push({ kind: 'native', responseKey, field: native, fieldDef: nativeDef, nodes, document });
        continue;
      }
      if (isMutation) {
        const mutation = this.index.mutation(name);
        const fieldDef = rootType?.getFields()[name];
        if (!mutation || !fieldDef) {
          templates.push({
            kind: 'error',
            responseKey,
            error: new FraiseqlError('FRAISEQL_OPERATION_NOT_SUPPORTED', `Mutation.${name} has no compiled mutation.`),
          });
        } else {
          templates.push({ kind: 'mutation', responseKey, mutation, fieldDef, nodes, cacheKey: `${op.hash}|${variant}|${responseKey}` });
        }
        continue;
      }
      if (name === '__schema' || name === '__type') {
        templates.push({ kind: 'introspection', responseKey, nodes });
        continue;
      }
      const query = this.index.query(name);
      const fieldDef = rootType?.getFields()[name];
      if (!query || !fieldDef) {
        templates.push({
          kind: 'error',
          responseKey,
          error: new FraiseqlError('FRAISEQL_OPERATION_NOT_SUPPORTED', `Query.${name} has no compiled query.`),
        });
        continue;
      }
      const template: RootTemplate = {
        kind: 'query',
        responseKey,
        query,
        fieldDef,
        nodes,
        cacheKey: `${op.hash}|${variant}|${responseKey}`,
      };
      if (query.kind === 'connection') {
        const connectionType = getNamedType(fieldDef.type);
        const edgesField = 'getFields' in connectionType ? connectionType.getFields().edges : undefined;
        const edgeType = edgesField ? getNamedType(edgesField.type).name : `${query.type}Edge`;
        template.connection = readConnectionSelection(ctx, nodes, connectionType.name, edgeType);
      }
      templates.push(template);
    }
    return templates;
  }

  private introspect(
    op: PreparedOperation,
    analysis: OperationAnalysis,
    responseKey: string,
    nodes: FieldNode[],
    variables: Record<string, unknown> | null | undefined,
    variant: string,
  ): PlanStep {
    const usesVariables = (op.operation.variableDefinitions?.length ?? 0) > 0;
    const key = `${op.hash}|${variant}|${responseKey}|${usesVariables ? JSON.stringify(variables ?? {}) : ''}`;
    let json = this.introspection.get(key);
    if (json === undefined) {
      const document: DocumentNode = {
        kind: Kind.DOCUMENT,
        definitions: [
          { ...op.operation, selectionSet: { kind: Kind.SELECTION_SET, selections: nodes } },
          ...Object.values(analysis.fragments),
        ],
      };
      const result = executeSync({ schema: this.graphqlSchema, document, variableValues: variables ?? {} });
      if (result.errors && result.errors.length > 0) {
        return { kind: 'error', responseKey, error: new FraiseqlError('BAD_USER_INPUT', result.errors[0].message) };
      }
      json = JSON.stringify(result.data?.[responseKey] ?? null);
      this.introspection.set(key, json);
    }
    return { kind: 'json', responseKey, json };
  }

  private planQuery(
    root: Extract<RootTemplate, { kind: 'query' }>,
    variables: Record<string, unknown>,
    caller: Caller,
    ctx: SelectionContext,
    access: FieldAccess,
  ): PlanStep {
    const { query, responseKey } = root;
    let orgId: string | null;
    try {
      orgId = this.scopeOrg(query.type, caller);
      requireQueryRole(query, caller);
      access.requireType(query.type, `Reading ${query.name}`);
    } catch (refusal) {
      return { kind: 'error', responseKey, error: refusal as FraiseqlError };
    }
    // A read rule refusing a selected, filtered or ordered field fails this field before any SQL runs (ADR 0136).
    try {
      return this.planQueryStatement(root, variables, ctx, access, orgId);
    } catch (refusal) {
      if (isForbidden(refusal)) return { kind: 'error', responseKey, error: refusal };
      throw refusal;
    }
  }

  private planQueryStatement(
    root: Extract<RootTemplate, { kind: 'query' }>,
    variables: Record<string, unknown>,
    ctx: SelectionContext,
    access: FieldAccess,
    orgId: string | null,
  ): PlanStep {
    const { query, responseKey } = root;
    const params = new StatementParams();
    const org = orgId === null ? null : params.add(orgId);
    const args = readArguments(root.fieldDef, root.nodes[0], variables);

    let build: () => string;
    if (query.kind === 'lookup') {
      const id = args.id;
      if (!isUuid(id)) {
        throw GraphqlRequestError.of(
          'BAD_USER_INPUT',
          `Argument "id" of ${query.name}: ${JSON.stringify(id)} is not a valid id (a UUID is expected).`,
        );
      }
      const shape: LookupShape = { org, where: null, id: params.add(id) };
      build = () => lookupStatement(this.index, query, shape, ctx, root.nodes, access);
    } else {
      const where = new WhereReader(this.index, params, access).read(args.where, query.type);
      requireSortable(args.orderBy, query, access);
      const keys = readSortKeys(args.orderBy, query, this.index);
      const ordering = orderingSignature(keys);
      params.mark(`order{${ordering}}`);
      if (query.kind === 'list') {
        const limit = this.pageSize(args.limit, 'limit', query);
        const offset = args.offset ?? 0;
        if (typeof offset !== 'number' || offset < 0)
          throw GraphqlRequestError.of('BAD_USER_INPUT', 'Argument "offset" must not be negative.');
        const shape: ListShape = { org, where, keys, limit: params.add(limit), offset: params.add(offset) };
        build = () => listStatement(this.index, query, shape, ctx, root.nodes, access);
      } else {
        const shape = this.connectionShape(query, args, keys, ordering, params, org, where, root.connection!);
        build = () => connectionStatement(this.index, query, shape, ctx, root.connection!, access, responseKey);
      }
    }

    // Masks change the SQL text: callers whose roles decide the rules alike share it.
    const cacheKey = `${root.cacheKey}|${params.signature()}|a:${access.signature}`;
    let statement = this.statements.get(cacheKey);
    if (!statement) {
      const text = build();
      statement = { text, name: `fq_${createHash('sha1').update(text).digest('hex').slice(0, 20)}` };
      this.statements.set(cacheKey, statement);
    }
    return { kind: 'sql', responseKey, name: statement.name, text: statement.text, values: params.values };
  }

  /**
   * One mutation root field: `input` coerced by graphql-js (so a value of the wrong type, a missing
   * required field or an unknown enum value is refused here, before PostgreSQL) and bound as $1,
   * the caller context as $2. The SQL text depends only on the selection, so it is cached per
   * operation and @skip/@include variant.
   */
  private planMutation(
    root: Extract<RootTemplate, { kind: 'mutation' }>,
    variables: Record<string, unknown>,
    caller: Caller,
    ctx: SelectionContext,
    access: FieldAccess,
  ): PlanStep {
    const args = readArguments(root.fieldDef, root.nodes[0], variables);
    // The mutation's rule, then its result selection's read rules: a refusal means the function never runs (ADR 0136).
    const cacheKey = `${root.cacheKey}|a:${access.signature}`;
    let statement = this.statements.get(cacheKey);
    try {
      requireRole(root.mutation.roles, caller, `Running ${root.mutation.name}`);
      if (!statement) {
        const text = mutationStatement(this.index, root.mutation, ctx, root.nodes, access);
        statement = { text, name: `fm_${createHash('sha1').update(text).digest('hex').slice(0, 20)}` };
        this.statements.set(cacheKey, statement);
      }
    } catch (refusal) {
      if (isForbidden(refusal)) return { kind: 'error', responseKey: root.responseKey, error: refusal };
      throw refusal;
    }
    let input: unknown = args.input ?? null;
    if (this.mutationInputCheck) {
      try {
        input = this.mutationInputCheck({ mutation: root.mutation, input, caller, schema: this.compiled });
      } catch (refusal) {
        if (!(refusal instanceof FraiseqlError)) throw refusal;
        return { kind: 'error', responseKey: root.responseKey, error: refusal };
      }
    }
    const context = {
      // A malformed org reaches the function as none (it then answers UNAUTHORIZED).
      org_id: normalizeUuid(caller.orgId),
      user_id: caller.subject,
      roles: caller.roles,
    };
    return {
      kind: 'sql',
      responseKey: root.responseKey,
      name: statement.name,
      text: statement.text,
      values: [JSON.stringify(input ?? null), JSON.stringify(context)],
    };
  }

  /**
   * A native field (ADR 0105): the caller must have an org and, when the field names roles, one of them; the
   * arguments are coerced here (a bad value is BAD_USER_INPUT for the operation, as for every field).
   */
  private planNative(
    root: Extract<RootTemplate, { kind: 'native' }>,
    values: Record<string, unknown>,
    variables: Record<string, unknown>,
    caller: Caller,
  ): PlanStep {
    const { field, responseKey } = root;
    const what = `${field.operation === 'mutation' ? 'Running' : 'Reading'} ${field.name}`;
    let orgId: string;
    try {
      orgId = requireOrg(caller, what);
      requireRole(field.roles, caller, what);
    } catch (refusal) {
      return { kind: 'error', responseKey, error: refusal as FraiseqlError };
    }
    const args = readArguments(root.fieldDef, root.nodes[0], values);
    return { kind: 'native', responseKey, field, args, orgId, selection: { document: root.document, variables } };
  }

  /**
   * The JSON text of a native step's field for the value its resolver returned, shaped to the selection set
   * (aliases, fragments, @skip/@include, __typename, scalar serialization) by graphql-js. A value that does not fit
   * the field's type is the resolver's bug: FRAISEQL_INTERNAL.
   */
  renderNative(step: Extract<PlanStep, { kind: 'native' }>, value: unknown): string {
    const selection: NativeSelection = step.selection;
    const result = executeSync({
      schema: this.graphqlSchema,
      document: selection.document,
      rootValue: { [step.field.name]: value },
      variableValues: selection.variables,
    });
    if (result.errors && result.errors.length > 0) {
      throw new FraiseqlError('FRAISEQL_INTERNAL', `${step.field.name}: the resolved value does not fit the schema`, {
        cause: result.errors[0],
      });
    }
    return JSON.stringify(result.data?.[step.responseKey] ?? null);
  }

  private connectionShape(
    query: CompiledQuery,
    args: Record<string, unknown>,
    keys: SortKey[],
    ordering: string,
    params: StatementParams,
    org: number | null,
    where: WhereNode | null,
    selection: ConnectionSelection,
  ): ConnectionShape {
    if (args.first != null && args.last != null) {
      throw GraphqlRequestError.of('BAD_USER_INPUT', `${query.name}: give "first" or "last", not both.`);
    }
    const backward = args.last != null;
    const size = backward ? this.pageSize(args.last, 'last', query) : this.pageSize(args.first, 'first', query);
    const fingerprint = this.cursors.fingerprint(query.name, ordering);
    // Cursors are checked even when the selection does not read the page.
    const after = args.after == null ? null : this.cursors.decode(args.after, fingerprint, keys.length, 'after');
    const before = args.before == null ? null : this.cursors.decode(args.before, fingerprint, keys.length, 'before');
    const shape: ConnectionShape = { org, where, keys, backward, size: 0, after: null, before: null, cursor: null };
    params.mark(backward ? 'last' : 'first');
    if (!selection.needsPage) return shape;
    const bind = (values: Array<string | null>, which: string): Array<number | null> => {
      params.mark(`${which}:${values.map((v) => (v === null ? '0' : '1')).join('')}`);
      return values.map((v) => (v === null ? null : params.add(v)));
    };
    if (after) shape.after = bind(after, 'after');
    if (before) shape.before = bind(before, 'before');
    shape.size = params.add(size);
    if (selection.needsCursor) {
      shape.cursor = {
        fp: params.add(fingerprint),
        innerPad: params.add(this.cursors.innerPad),
        outerPad: params.add(this.cursors.outerPad),
      };
    }
    return shape;
  }

  private pageSize(value: unknown, argument: string, query: CompiledQuery): number {
    if (value === undefined || value === null) return query.defaultLimit;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > query.maxLimit) {
      throw GraphqlRequestError.of(
        'FRAISEQL_PAGE_TOO_LARGE',
        `Argument "${argument}" of ${query.name} must be between 0 and ${query.maxLimit}, got ${String(value)}.`,
        { maxLimit: query.maxLimit },
      );
    }
    return value;
  }
}

/** A query declared with `roles` is read only by a caller holding one of them (ADR 0104); others get FRAISEQL_FORBIDDEN. */
function requireQueryRole(query: CompiledQuery, caller: Caller): void {
  requireRole(query.roles, caller, `Reading ${query.name}`);
}

/** Caller-given ordering keys (not the query's default order, which the compiler keeps free of rules) must be readable. */
function requireSortable(orderBy: unknown, query: CompiledQuery, access: FieldAccess): void {
  if (!Array.isArray(orderBy)) return;
  for (const item of orderBy) {
    const field = (item as { field?: unknown } | null)?.field;
    if (typeof field === 'string') access.requireSortable(query.type, field);
  }
}

function requireRole(roles: readonly string[] | undefined, caller: Caller, what: string): void {
  if (roles === undefined || roles.some((role) => caller.roles.includes(role))) return;
  throw new FraiseqlError('FRAISEQL_FORBIDDEN', `${what} needs the role ${roles.join(' or ')}.`);
}

function notForFlight(reason: string): FraiseqlError {
  return new FraiseqlError('FRAISEQL_OPERATION_NOT_SUPPORTED', `${FLIGHT_ACCEPTS}; ${reason}.`);
}

function freezeColumns(columns: ArrowColumnNode[]): ArrowColumnNode[] {
  for (const node of columns) {
    if (node.kind === 'struct') freezeColumns(node.children);
    Object.freeze(node);
  }
  return Object.freeze(columns) as ArrowColumnNode[];
}

/** A root field's arguments coerced by graphql-js; a value it refuses is BAD_USER_INPUT. */
function readArguments(
  fieldDef: GraphQLField<unknown, unknown>,
  node: FieldNode,
  variables: Record<string, unknown>,
): Record<string, unknown> {
  try {
    return getArgumentValues(fieldDef, node, variables);
  } catch (error) {
    if (error instanceof GraphQLError) throw GraphqlRequestError.fromGraphql('BAD_USER_INPUT', [error]);
    throw error;
  }
}
