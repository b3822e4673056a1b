import {
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  Kind,
  getDirectiveValues,
  type FieldNode,
  type FragmentDefinitionNode,
  type FragmentSpreadNode,
  type InlineFragmentNode,
  type SelectionSetNode,
} from 'graphql';

export interface SelectionContext {
  fragments: Readonly<Record<string, FragmentDefinitionNode>>;
  /** Coerced variable values (for @skip/@include). */
  variables: Readonly<Record<string, unknown>>;
}

/** Fields by response key, in response order: graphql-js CollectFields without type conditions (every type here is an object type). */
export type FieldGroups = Map<string, FieldNode[]>;

function included(node: FieldNode | FragmentSpreadNode | InlineFragmentNode, variables: Readonly<Record<string, unknown>>): boolean {
  if (!node.directives || node.directives.length === 0) return true;
  if (getDirectiveValues(GraphQLSkipDirective, node, variables)?.if === true) return false;
  return getDirectiveValues(GraphQLIncludeDirective, node, variables)?.if !== false;
}

export function collectFields(
  ctx: SelectionContext,
  selectionSet: SelectionSetNode,
  into: FieldGroups = new Map(),
  visited = new Set<string>(),
): FieldGroups {
  collectInto(ctx, selectionSet, into, visited, () => true);
  return into;
}

/** Whether a fragment with this type condition (undefined: none) applies to the type being collected. */
type FragmentApplies = (typeCondition: string | undefined) => boolean;

function collectInto(
  ctx: SelectionContext,
  selectionSet: SelectionSetNode,
  into: FieldGroups,
  visited: Set<string>,
  applies: FragmentApplies,
): void {
  for (const selection of selectionSet.selections) {
    if (!included(selection, ctx.variables)) continue;
    if (selection.kind === Kind.FIELD) {
      const key = selection.alias?.value ?? selection.name.value;
      const group = into.get(key);
      if (group) group.push(selection);
      else into.set(key, [selection]);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      if (applies(selection.typeCondition?.name.value)) collectInto(ctx, selection.selectionSet, into, visited, applies);
    } else {
      const name = selection.name.value;
      if (visited.has(name)) continue;
      visited.add(name);
      const fragment = ctx.fragments[name];
      if (fragment && applies(fragment.typeCondition.name.value)) collectInto(ctx, fragment.selectionSet, into, visited, applies);
    }
  }
}

/** The merged sub-selection of the fields sharing one response key. */
export function collectSubfields(ctx: SelectionContext, nodes: readonly FieldNode[]): FieldGroups {
  const into: FieldGroups = new Map();
  const visited = new Set<string>();
  for (const node of nodes) if (node.selectionSet) collectFields(ctx, node.selectionSet, into, visited);
  return into;
}

/**
 * The merged sub-selection of `nodes` for one concrete member of an abstract type (a mutation
 * result union): inline fragments and fragment spreads apply when they have no type condition
 * or name `typeName` or one of `abstractNames` (graphql-js DoesFragmentTypeApply for unions).
 */
export function collectSubfieldsFor(
  ctx: SelectionContext,
  nodes: readonly FieldNode[],
  typeName: string,
  abstractNames: readonly string[],
): FieldGroups {
  const into: FieldGroups = new Map();
  const visited = new Set<string>();
  const applies: FragmentApplies = (condition) => condition === undefined || condition === typeName || abstractNames.includes(condition);
  for (const node of nodes) if (node.selectionSet) collectInto(ctx, node.selectionSet, into, visited, applies);
  return into;
}
