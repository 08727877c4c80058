import {
  getArgumentValues,
  getDirectiveValues,
  getNamedType,
  getNullableType,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  isInterfaceType,
  isLeafType,
  isListType,
  isObjectType,
  Kind,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";

/**
 * Query cost as Shopify calculates it before running a query (shopify.dev/docs/api/usage/rate-limits): scalars and
 * enums 0, an object 1, a connection 2 + first/last × the cost of one node, a mutation 10. The actual cost, after
 * the query ran, counts the objects really returned (graphql.ts), and the difference is refunded to the bucket.
 */

export const MAX_SINGLE_QUERY_COST = 1000;
export const MUTATION_COST = 10;
/** Connection cost before its nodes. */
export const CONNECTION_COST = 2;

export interface Walk {
  schema: GraphQLSchema;
  fragments: Record<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
}

export function isConnectionType(type: GraphQLNamedType): type is GraphQLObjectType {
  return isObjectType(type) && type.name.endsWith("Connection") && "pageInfo" in type.getFields();
}

function included(node: FieldNode | { directives?: FieldNode["directives"] }, variables: Record<string, unknown>): boolean {
  const skip = getDirectiveValues(GraphQLSkipDirective, node, variables);
  const include = getDirectiveValues(GraphQLIncludeDirective, node, variables);
  return skip?.if !== true && include?.if !== false;
}

export interface SelectedField {
  field: FieldNode;
  /** The type the field is selected on: the parent, or the type condition of the fragment around it. */
  parent: GraphQLCompositeType;
}

/** The fields a selection set selects, through inline fragments and fragment spreads. */
export function collectFields(set: SelectionSetNode, parent: GraphQLCompositeType, walk: Walk, seen: ReadonlySet<string> = new Set()): SelectedField[] {
  const typeNamed = (name: string | undefined) => (name ? (walk.schema.getType(name) as GraphQLCompositeType | undefined) : parent) ?? parent;
  return set.selections.flatMap((selection): SelectedField[] => {
    if (!included(selection, walk.variables)) return [];
    if (selection.kind === Kind.FIELD) return [{ field: selection, parent }];
    if (selection.kind === Kind.INLINE_FRAGMENT) return collectFields(selection.selectionSet, typeNamed(selection.typeCondition?.name.value), walk, seen);
    const fragment = walk.fragments[selection.name.value];
    if (!fragment || seen.has(fragment.name.value)) return [];
    return collectFields(fragment.selectionSet, typeNamed(fragment.typeCondition.name.value), walk, new Set([...seen, fragment.name.value]));
  });
}

function argumentsOf(definition: GraphQLField<unknown, unknown>, field: FieldNode, walk: Walk): Record<string, unknown> {
  try {
    return getArgumentValues(definition, field, walk.variables);
  } catch {
    // Invalid arguments fail in execution with their own error; they add nothing to the cost.
    return {};
  }
}

function selectionCost(set: SelectionSetNode, type: GraphQLCompositeType, walk: Walk): number {
  return collectFields(set, type, walk).reduce((sum, { field, parent }) => sum + fieldCost(field, parent, walk), 0);
}

function fieldCost(field: FieldNode, parent: GraphQLCompositeType, walk: Walk): number {
  if (field.name.value.startsWith("__") || !field.selectionSet) return 0;
  if (!isObjectType(parent) && !isInterfaceType(parent)) return 0;
  const definition = parent.getFields()[field.name.value];
  if (!definition) return 0;
  const type = getNamedType(definition.type);
  if (isLeafType(type)) return 0;
  const args = argumentsOf(definition, field, walk);
  if (isConnectionType(type)) {
    const size = Number(args.first ?? args.last ?? 0);
    return CONNECTION_COST + size * connectionNodeCost(field.selectionSet, type, walk);
  }
  const children = selectionCost(field.selectionSet, type as GraphQLCompositeType, walk);
  if (isListType(getNullableType(definition.type))) {
    // A list sized by an argument (nodes(ids:), quantities(names:), options(first:)) costs per element.
    const sizing = Object.values(args).find(Array.isArray) as unknown[] | undefined;
    const size = sizing?.length ?? (typeof args.first === "number" ? args.first : 1);
    return size * (1 + children);
  }
  return 1 + children;
}

/** One node of a connection, selected through `edges { node }`, `nodes`, or both (each counted, as executed). */
function connectionNodeCost(set: SelectionSetNode, connection: GraphQLObjectType, walk: Walk): number {
  const fields = connection.getFields();
  const nodeType = getNamedType(fields.nodes?.type ?? fields.edges!.type) as GraphQLCompositeType;
  const edgeType = getNamedType(fields.edges?.type ?? fields.nodes!.type) as GraphQLCompositeType;
  const perNode = (nodes: FieldNode[]) =>
    nodes.reduce((sum, node) => sum + 1 + (node.selectionSet ? selectionCost(node.selectionSet, nodeType, walk) : 0), 0);
  const selected = collectFields(set, connection, walk).map(({ field }) => field);
  const viaEdges = selected
    .filter((field) => field.name.value === "edges" && field.selectionSet)
    .flatMap((edges) => collectFields(edges.selectionSet!, edgeType, walk).map(({ field }) => field))
    .filter((field) => field.name.value === "node");
  const viaNodes = selected.filter((field) => field.name.value === "nodes");
  return perNode(viaEdges) + perNode(viaNodes);
}

export function requestedQueryCost(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
): number {
  const walk: Walk = { schema, fragments, variables };
  const root = operation.operation === "mutation" ? schema.getMutationType() : operation.operation === "query" ? schema.getQueryType() : schema.getSubscriptionType();
  if (!root) return 0;
  if (operation.operation === "mutation") return collectFields(operation.selectionSet, root, walk).length * MUTATION_COST;
  return selectionCost(operation.selectionSet, root, walk);
}

export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

export interface BucketSettings {
  bucketSize: number;
  restoreRatePerSecond: number;
}

/** Shopify's leaky bucket, one per shop (per app and shop at Shopify; the sandbox serves one app). */
export class LeakyBucket {
  private readonly levels = new Map<string, { available: number; at: number }>();

  constructor(
    private settings: BucketSettings,
    private readonly now: () => number = Date.now,
  ) {}

  configure(settings: Partial<BucketSettings>): void {
    this.settings = { ...this.settings, ...settings };
    for (const level of this.levels.values()) level.available = Math.min(level.available, this.settings.bucketSize);
  }

  getSettings(): BucketSettings {
    return { ...this.settings };
  }

  /** Takes the cost if the bucket holds it; false (and nothing taken) otherwise. */
  take(shop: string, cost: number): boolean {
    const level = this.current(shop);
    if (cost > level.available) return false;
    level.available -= cost;
    return true;
  }

  refund(shop: string, amount: number): void {
    const level = this.current(shop);
    level.available = Math.min(this.settings.bucketSize, level.available + amount);
  }

  status(shop: string): ThrottleStatus {
    return {
      maximumAvailable: this.settings.bucketSize,
      currentlyAvailable: Math.floor(this.current(shop).available),
      restoreRate: this.settings.restoreRatePerSecond,
    };
  }

  private current(shop: string): { available: number; at: number } {
    const now = this.now();
    let level = this.levels.get(shop);
    if (!level) {
      level = { available: this.settings.bucketSize, at: now };
      this.levels.set(shop, level);
    }
    level.available = Math.min(this.settings.bucketSize, level.available + ((now - level.at) / 1000) * this.settings.restoreRatePerSecond);
    level.at = now;
    return level;
  }
}
