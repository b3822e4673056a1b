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
import type { CompiledQuery } from '@fraiseql/schema';
import { GraphqlRequestError } from './graphql-request-error';
import type { SchemaIndex } from './schema-index';

export function countAliases(document: DocumentNode): number {
  let aliases = 0;
  visit(document, {
    Field(node) {
      if (node.alias) aliases++;
    },
  });
  return aliases;
}

interface Measure {
  depth: number;
  cost: number;
}

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
 * Depth and estimated cost of an operation. Every field costs 1; the children of a list
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
      cost += m.cost;
    }
    return { depth, cost };
  }

  private fragment(name: string, level: number, edgesSize: number | undefined): Measure {
    const key = `${name}|${edgesSize ?? ''}`;
    let m = this.memo.get(key);
    if (m === undefined) {
      const fragment = this.options.fragments[name];
      if (!fragment || this.inProgress.has(key)) return { depth: 0, cost: 0 };
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
    if (!node.selectionSet) return { depth: 1, cost: 1 };
    const child = this.selectionSet(node.selectionSet, type, level + 1, childEdges);
    return { depth: child.depth + 1, cost: 1 + factor * child.cost };
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
    if (typeof given === 'number') return given;
    const fallback = this.defaults.get(name);
    return fallback?.kind === Kind.INT ? Number.parseInt(fallback.value, 10) : undefined;
  }

  private tooDeep(): GraphqlRequestError {
    return GraphqlRequestError.of('FRAISEQL_DEPTH_LIMIT_EXCEEDED', `The query is nested deeper than ${this.options.maxDepth} levels.`, {
      maxDepth: this.options.maxDepth,
    });
  }
}
