import {
  Kind,
  getNamedType,
  getNullableType,
  isListType,
  isObjectType,
  visit,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import type { CompiledQuery, CompiledSchema } from '@fraiseql/schema';
import { GraphqlRequestError } from './graphql-request-error';
import { DEFAULT_NESTED_LIST_ESTIMATE } from './planner-limits';
import { schemaIndexOf, type SchemaIndex } from './schema-index';

export function countAliases(document: DocumentNode): number {
  let aliases = 0;
  visit(document, {
    Field(node) {
      if (node.alias) aliases++;
    },
  });
  return aliases;
}

/** What a document asks of the server, estimated before it runs (docs/adr/0134-trusted-documents-and-limits.md). */
export interface OperationMeasure {
  /** Deepest field nesting (`{ orders { customer { email } } }` = 3). */
  depth: number;
  /** Estimated objects returned: each object-typed field value counts once per instance; lists multiply. Scalars count 0. */
  nodes: number;
  /** Estimated cost: each field selection costs its weight (the schema's `cost`, default 1) plus its children times the list size. */
  cost: number;
}

type Measure = OperationMeasure;

const NOTHING: Measure = { depth: 0, nodes: 0, cost: 0 };

export interface DocumentMeasureOptions {
  schema: GraphQLSchema;
  index: SchemaIndex;
  fragments: Readonly<Record<string, FragmentDefinitionNode>>;
  operation: OperationDefinitionNode;
  maxDepth: number;
  nestedListEstimate: number;
  /** Coerced variables; absent when measuring at prepare time (variable page sizes then use their default). */
  variables?: Readonly<Record<string, unknown>>;
}

/**
 * Depth, estimated nodes and cost of an operation. Every field costs its weight (the schema's `cost` option of
 * queries and fields, default 1); the children of a list
 * field are multiplied by its page size (limit/first/last, else the query's defaultLimit,
 * capped at maxLimit), connection `edges` by the connection's page size, and lists nested
 * in data by `nestedListEstimate`. Introspection lists count once. Fragments are measured
 * once per context, so the work is linear in the document; a fragment cycle (reported
 * later by validation) counts as nothing. Throws FRAISEQL_DEPTH_LIMIT_EXCEEDED as soon as
 * the nesting passes maxDepth, which also bounds the recursion.
 */
export class DocumentMeasure {
  /** Whether some page size came from a variable (the cost is then measured again at plan time). */
  pageSizeFromVariables = false;
  private readonly memo = new Map<string, Measure>();
  private readonly inProgress = new Set<string>();
  private readonly defaults = new Map<string, ValueNode>();

  constructor(private readonly options: DocumentMeasureOptions) {
    for (const def of options.operation.variableDefinitions ?? []) {
      if (def.defaultValue) this.defaults.set(def.variable.name.value, def.defaultValue);
    }
  }

  measure(): Measure {
    const { schema, operation } = this.options;
    const root =
      operation.operation === 'query'
        ? schema.getQueryType()
        : operation.operation === 'mutation'
          ? schema.getMutationType()
          : schema.getSubscriptionType();
    return this.selectionSet(operation.selectionSet, root ?? undefined, 1, undefined);
  }

  private selectionSet(set: SelectionSetNode, parent: GraphQLNamedType | undefined, level: number, edgesSize: number | undefined): Measure {
    if (level > this.options.maxDepth) throw this.tooDeep();
    let depth = 0;
    let nodes = 0;
    let cost = 0;
    for (const selection of set.selections) {
      let m: Measure;
      if (selection.kind === Kind.FIELD) {
        m = this.field(selection, parent, level, edgesSize);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? (this.options.schema.getType(selection.typeCondition.name.value) ?? undefined) : parent;
        m = this.selectionSet(selection.selectionSet, type, level, edgesSize);
      } else {
        m = this.fragment(selection.name.value, level, edgesSize);
      }
      depth = Math.max(depth, m.depth);
      nodes += m.nodes;
      cost += m.cost;
    }
    return { depth, nodes, cost };
  }

  private fragment(name: string, level: number, edgesSize: number | undefined): Measure {
    const key = `${name}|${edgesSize ?? ''}`;
    let m = this.memo.get(key);
    if (m === undefined) {
      const fragment = this.options.fragments[name];
      if (!fragment || this.inProgress.has(key)) return NOTHING;
      this.inProgress.add(key);
      m = this.selectionSet(
        fragment.selectionSet,
        this.options.schema.getType(fragment.typeCondition.name.value) ?? undefined,
        level,
        edgesSize,
      );
      this.inProgress.delete(key);
      this.memo.set(key, m);
    }
    if (level - 1 + m.depth > this.options.maxDepth) throw this.tooDeep();
    return m;
  }

  private field(node: FieldNode, parent: GraphQLNamedType | undefined, level: number, edgesSize: number | undefined): Measure {
    const name = node.name.value;
    const def = parent && isObjectType(parent) ? parent.getFields()[name] : undefined;
    const type = def ? getNamedType(def.type) : undefined;
    let factor = 1;
    let childEdges: number | undefined;
    const query = parent === this.options.schema.getQueryType() ? this.options.index.query(name) : undefined;
    const weight = query ? (query.cost ?? 1) : parent ? (this.options.index.field(parent.name, name)?.cost ?? 1) : 1;
    if (query && query.kind === 'list') factor = this.pageSize(node, query);
    else if (query && query.kind === 'connection') childEdges = this.pageSize(node, query);
    else if (name === 'edges' && edgesSize !== undefined) factor = edgesSize;
    else if (
      def &&
      isListType(getNullableType(def.type)) &&
      isObjectType(type) &&
      !name.startsWith('__') &&
      !parent!.name.startsWith('__')
    ) {
      factor = this.options.nestedListEstimate;
    }
    if (!node.selectionSet) return { depth: 1, nodes: 0, cost: weight };
    const child = this.selectionSet(node.selectionSet, type, level + 1, childEdges);
    return { depth: child.depth + 1, nodes: factor * (1 + child.nodes), cost: weight + factor * child.cost };
  }

  private pageSize(node: FieldNode, query: CompiledQuery): number {
    let size: number | undefined;
    for (const arg of node.arguments ?? []) {
      if (arg.name.value !== 'limit' && arg.name.value !== 'first' && arg.name.value !== 'last') continue;
      const value = this.intValue(arg.value);
      if (value !== undefined) size = Math.max(size ?? 0, value);
    }
    return Math.min(Math.max(size ?? query.defaultLimit, 0), query.maxLimit);
  }

  private intValue(node: ValueNode): number | undefined {
    if (node.kind === Kind.INT) return Number.parseInt(node.value, 10);
    if (node.kind !== Kind.VARIABLE) return undefined;
    this.pageSizeFromVariables = true;
    const name = node.name.value;
    const given = this.options.variables?.[name];
    if (typeof given === 'number' && Number.isFinite(given)) return Math.trunc(given);
    const fallback = this.defaults.get(name);
    return fallback?.kind === Kind.INT ? Number.parseInt(fallback.value, 10) : undefined;
  }

  private tooDeep(): GraphqlRequestError {
    return GraphqlRequestError.of('FRAISEQL_DEPTH_LIMIT_EXCEEDED', `The query is nested deeper than ${this.options.maxDepth} levels.`, {
      maxDepth: this.options.maxDepth,
    });
  }
}

export interface MeasureOperationOptions {
  compiled: CompiledSchema;
  schema: GraphQLSchema;
  operation: OperationDefinitionNode;
  /** The document's fragments by name. */
  fragments: Readonly<Record<string, FragmentDefinitionNode>>;
  /** The request's variables: a page size given as a variable is read from them (else its default, else the query's defaultLimit). */
  variables?: Readonly<Record<string, unknown>> | null;
  /** Assumed length of a list nested in an entity's data (order items). Default 10, as the planner. */
  nestedListEstimate?: number;
}

/**
 * The planner's measure of a validated operation, for limits decided outside the planner (per-role limits at the gateway):
 * the same numbers the planner's FRAISEQL_LIMIT_MAX_COST sees, plus the estimated nodes. The document must have passed the
 * planner's depth limit (its nesting bounds the recursion here).
 */
export function measureOperation(options: MeasureOperationOptions): OperationMeasure {
  return new DocumentMeasure({
    schema: options.schema,
    index: schemaIndexOf(options.compiled),
    fragments: options.fragments,
    operation: options.operation,
    maxDepth: Number.MAX_SAFE_INTEGER,
    nestedListEstimate: options.nestedListEstimate ?? DEFAULT_NESTED_LIST_ESTIMATE,
    ...(options.variables ? { variables: options.variables } : {}),
  }).measure();
}
