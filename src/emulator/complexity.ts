import {
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  GraphQLList,
  type GraphQLObjectType,
  type GraphQLSchema,
  getNamedType,
  getNullableType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  valueFromAST,
} from 'graphql';

/**
 * monday's published weights: a scalar field costs 1, an object 10, a list multiplies what each item selects
 * by how many items it may return (1,000 when it takes no limit), and a mutation carries a base cost in the
 * thousands (10,000, as documented for item creation).
 */
const SCALAR_COST = 1;
const OBJECT_COST = 10;
const MUTATION_COST = 10_000;
const UNBOUNDED_LIST_ESTIMATE = 1000;
/**
 * A list without a limit inside another list (a user's teams, a team's owners) is estimated at 100 items:
 * monday's own agent toolkit asks every user's teams on 1,000-user pages, which a 1,000-item estimate would
 * refuse outright (over 5,000,000 for one query).
 */
const NESTED_UNBOUNDED_ESTIMATE = 100;
const USERS_DEFAULT_LIMIT = 200;
const USERS_MAX_LIMIT = 1000;

/** Estimates a query's complexity the way monday charges it, from what it may return, not what it does. */
export function queryComplexity(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
): number {
  const root = operation.operation === 'mutation' ? schema.getMutationType() : schema.getQueryType();
  if (!root) return 0;
  const base = operation.operation === 'mutation' ? MUTATION_COST : 0;
  return base + selectionCost(root, operation.selectionSet, fragments, variables, false);
}

/** True when a query selects nothing but `complexity`, which monday bills as a tenth of a call. */
export function isComplexityOnly(operation: OperationDefinitionNode): boolean {
  return operation.selectionSet.selections.every(
    (s) => s.kind === Kind.FIELD && (s.name.value === 'complexity' || s.name.value === '__typename'),
  );
}

function selectionCost(
  type: GraphQLObjectType,
  selectionSet: SelectionSetNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
  inList: boolean,
): number {
  let cost = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      const field = type.getFields()[selection.name.value];
      if (field) cost += fieldCost(field, selection, fragments, variables, inList);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      cost += selectionCost(type, selection.selectionSet, fragments, variables, inList);
    } else {
      const fragment = fragments[selection.name.value];
      if (fragment) cost += selectionCost(type, fragment.selectionSet, fragments, variables, inList);
    }
  }
  return cost;
}

function fieldCost(
  field: GraphQLField<unknown, unknown>,
  node: FieldNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
  inList: boolean,
): number {
  const named = getNamedType(field.type);
  if (!node.selectionSet || !isObjectType(named)) return SCALAR_COST;
  const isList = getNullableType(field.type) instanceof GraphQLList;
  const childCost = selectionCost(named, node.selectionSet, fragments, variables, inList || isList);
  if (!isList) return OBJECT_COST + childCost;
  return OBJECT_COST + childCost * listSize(field, node, variables, inList);
}

function listSize(
  field: GraphQLField<unknown, unknown>,
  node: FieldNode,
  variables: Record<string, unknown>,
  nested: boolean,
): number {
  // A list asked for by ids holds at most that many (teams(ids:), users(ids:) without a smaller limit).
  const idsArg = field.args.find((a) => a.name === 'ids');
  const idsNode = node.arguments?.find((a) => a.name.value === 'ids');
  const ids = idsArg && idsNode ? valueFromAST(idsNode.value, idsArg.type, variables) : undefined;
  const byIds = Array.isArray(ids) ? Math.max(1, ids.length) : Number.POSITIVE_INFINITY;
  const limitArg = field.args.find((a) => a.name === 'limit');
  if (!limitArg) return Math.min(byIds, nested ? NESTED_UNBOUNDED_ESTIMATE : UNBOUNDED_LIST_ESTIMATE);
  const limitNode = node.arguments?.find((a) => a.name.value === 'limit');
  const given = limitNode ? valueFromAST(limitNode.value, limitArg.type, variables) : undefined;
  const limit = typeof given === 'number' && given > 0 ? given : USERS_DEFAULT_LIMIT;
  return Math.min(limit, USERS_MAX_LIMIT, byIds);
}
