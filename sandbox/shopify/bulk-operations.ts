import express from "express";
import {
  executeSync,
  getNamedType,
  getNullableType,
  getOperationAST,
  isCompositeType,
  isListType,
  Kind,
  parse,
  validate,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLError,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";
import { loadAdminSchema } from "./admin-schema";
import { collectFields, isConnectionType, type Walk } from "./cost";
import { gid } from "./gid";
import { shopifyValidationErrors } from "./graphql-errors";
import { createQueryRoot, resolveViewField } from "./resolvers";
import type { BulkOperationRecord, ShopRecord, ShopifyStore } from "./store";
import { shopTime } from "./time";
import type { WebhookDispatcher } from "./webhooks";

/**
 * Bulk query operations (shopify.dev "Perform bulk operations with the GraphQL Admin API"): bulkOperationRunQuery
 * checks the query as Shopify does (at least one connection, at most five, nested at most two deep, each nested
 * connection's parent node selecting its `id`, contents selected through `edges { node }`), answers a CREATED
 * operation, runs it a moment later over the whole shop (connections unpaged), and serves the result as JSONL at
 * the operation's `url`: one line per connection node, the nodes of a nested connection on lines of their own with
 * `__parentId`, the id of the node they belong to. Up to five operations run at once per shop (API 2026-01 and
 * later). bulk_operations/finish goes to the app if shopify.app.toml subscribes to it.
 */

export const MAX_CONCURRENT_BULK_OPERATIONS = 5;
const MAX_CONNECTIONS = 5;
const MAX_CONNECTION_DEPTH = 2;
/** Where a result is served, under the sandbox's URL. */
const RESULT_PATH = "/bulk-operation-results";

export interface BulkUserError {
  field: string[] | null;
  message: string;
  code: "INVALID" | "LIMIT_REACHED" | "OPERATION_IN_PROGRESS";
}

export interface BulkSettings {
  /** How long an operation takes from creation to COMPLETED. */
  bulkOperationDelayMs: number;
}

const invalid = (message: string): BulkUserError => ({ field: ["query"], message, code: "INVALID" });

interface QueryShape {
  connections: number;
  depth: number;
  topLevelNode: boolean;
  /** Connections whose contents are selected through `nodes`. */
  viaNodes: string[];
  /** Connections whose node has a nested connection but selects no unaliased `id`. */
  parentsWithoutId: string[];
  connectionInList: boolean;
}

function fieldDefinition(parent: GraphQLCompositeType, name: string): GraphQLField<unknown, unknown> | undefined {
  return "getFields" in parent ? parent.getFields()[name] : undefined;
}

/** The fields of a connection's node: `edges { node { … } }` (and `nodes { … }`, which bulk queries refuse). */
function nodeSelections(connectionField: FieldNode, connection: GraphQLCompositeType, walk: Walk, via: "edges" | "nodes"): FieldNode[] {
  const fields = collectFields(connectionField.selectionSet!, connection, walk).map(({ field }) => field);
  if (via === "nodes") return fields.filter((field) => field.name.value === "nodes");
  const edgeType = getNamedType(fieldDefinition(connection, "edges")!.type) as GraphQLCompositeType;
  return fields
    .filter((field) => field.name.value === "edges" && field.selectionSet)
    .flatMap((edges) => collectFields(edges.selectionSet!, edgeType, walk).map(({ field }) => field))
    .filter((field) => field.name.value === "node");
}

function mergedSelection(fields: FieldNode[]): SelectionSetNode {
  return { kind: Kind.SELECTION_SET, selections: fields.flatMap((field) => field.selectionSet?.selections ?? []) };
}

function analyse(operation: OperationDefinitionNode, schema: GraphQLSchema, walk: Walk): QueryShape {
  const root = schema.getQueryType()!;
  const topLevelNode = collectFields(operation.selectionSet, root, walk).some(({ field }) => field.name.value === "node" || field.name.value === "nodes");
  const shape: QueryShape = { connections: 0, depth: 0, topLevelNode, viaNodes: [], parentsWithoutId: [], connectionInList: false };
  const visit = (set: SelectionSetNode, type: GraphQLCompositeType, depth: number, parent: { name: string; hasId: boolean } | null, inList: boolean) => {
    for (const { field, parent: on } of collectFields(set, type, walk)) {
      const definition = fieldDefinition(on, field.name.value);
      if (!definition || !field.selectionSet) continue;
      const named = getNamedType(definition.type) as GraphQLCompositeType;
      if (isConnectionType(named)) {
        shape.connections++;
        shape.depth = Math.max(shape.depth, depth + 1);
        if (inList) shape.connectionInList = true;
        if (parent && !parent.hasId && !shape.parentsWithoutId.includes(parent.name)) shape.parentsWithoutId.push(parent.name);
        if (nodeSelections(field, named, walk, "nodes").length > 0) shape.viaNodes.push(field.name.value);
        const nodes = nodeSelections(field, named, walk, "edges");
        const nodeType = getNamedType(fieldDefinition(getNamedType(fieldDefinition(named, "edges")!.type) as GraphQLCompositeType, "node")!.type) as GraphQLCompositeType;
        const selection = mergedSelection(nodes);
        const hasId = collectFields(selection, nodeType, walk).some(({ field: child }) => child.name.value === "id" && !child.alias);
        visit(selection, nodeType, depth + 1, { name: field.name.value, hasId }, false);
      } else {
        visit(field.selectionSet, named, depth, parent, inList || isListType(getNullableType(definition.type)));
      }
    }
  };
  visit(operation.selectionSet, root, 0, null, false);
  return shape;
}

/** The user errors Shopify gives for a bulk query it will not run (messages as Shopify's, see the README). */
function queryErrors(query: string, schema: GraphQLSchema): { errors: BulkUserError[]; document?: DocumentNode; walk?: Walk } {
  let document: DocumentNode;
  try {
    document = parse(query);
  } catch (error) {
    return { errors: [invalid(`Invalid bulk query: ${(error as GraphQLError).message}`)] };
  }
  const validationErrors = validate(schema, document);
  if (validationErrors.length > 0) return { errors: [invalid(`Invalid bulk query: ${shopifyValidationErrors(document, validationErrors)[0]!.message}`)] };
  const operation = getOperationAST(document);
  if (!operation || operation.operation !== "query") return { errors: [invalid("Invalid operation type. Only `query` operations are supported.")] };
  const fragments = Object.fromEntries(
    document.definitions.flatMap((definition) => (definition.kind === Kind.FRAGMENT_DEFINITION ? [[definition.name.value, definition as FragmentDefinitionNode]] : [])),
  );
  const walk: Walk = { schema, fragments, variables: {} };
  const shape = analyse(operation, schema, walk);
  const errors: BulkUserError[] = [];
  if (shape.viaNodes.length > 0) {
    errors.push(
      invalid(
        `All connection fields in a bulk query must select their contents using 'edges' > 'node', e.g: '${shape.viaNodes[0]} { edges { node {'. Selecting via 'nodes' is not supported. Invalid connection fields: '${shape.viaNodes.join("', '")}'.`,
      ),
    );
  }
  if (shape.topLevelNode) errors.push(invalid("Bulk queries cannot contain a top level `node` field."));
  if (shape.depth > MAX_CONNECTION_DEPTH) errors.push(invalid(`Bulk queries cannot contain connections with a nesting depth greater than ${MAX_CONNECTION_DEPTH}.`));
  if (shape.connections > MAX_CONNECTIONS) errors.push(invalid(`Bulk queries cannot contain more than ${MAX_CONNECTIONS} connections.`));
  if (shape.parentsWithoutId.length > 0) {
    errors.push(
      invalid(
        `The parent 'node' field for a nested connection must select the 'id' field without an alias and must be of 'ID' return type. Connection fields without 'id': ${shape.parentsWithoutId.join(", ")}.`,
      ),
    );
  }
  if (shape.connectionInList) errors.push(invalid("Queries that contain a connection field within a list field are not currently supported."));
  if (shape.connections === 0 && errors.length === 0) errors.push(invalid("Bulk queries must contain at least one connection."));
  return { errors, document, walk };
}

type Json = Record<string, unknown>;

/** How to turn an object of the result into JSONL, worked out once from the query: per response key, what it holds. */
interface Plan {
  fields: { key: string; kind: "value" | "object" | "connection"; plan?: Plan }[];
}

function planOf(fields: FieldNode[], type: GraphQLCompositeType, walk: Walk): Plan {
  const byKey = new Map<string, { nodes: FieldNode[]; on: GraphQLCompositeType }>();
  for (const { field, parent } of collectFields(mergedSelection(fields), type, walk)) {
    const key = field.alias?.value ?? field.name.value;
    const entry = byKey.get(key);
    if (entry) entry.nodes.push(field);
    else byKey.set(key, { nodes: [field], on: parent });
  }
  return {
    fields: [...byKey].map(([key, { nodes, on }]) => {
      const definition = fieldDefinition(on, nodes[0]!.name.value);
      const named = definition && getNamedType(definition.type);
      if (!named || !isCompositeType(named)) return { key, kind: "value" as const };
      if (!isConnectionType(named)) return { key, kind: "object" as const, plan: planOf(nodes, named, walk) };
      const nodeType = getNamedType(fieldDefinition(getNamedType(fieldDefinition(named, "edges")!.type) as GraphQLCompositeType, "node")!.type) as GraphQLCompositeType;
      const nodeFields = nodes.flatMap((node) => nodeSelections(node, named, walk, "edges"));
      return { key, kind: "connection" as const, plan: planOf(nodeFields, nodeType, walk) };
    }),
  };
}

/**
 * The JSONL of an executed bulk query: each node of a connection becomes a line without its nested connections,
 * whose nodes follow as lines of their own with `__parentId` (the id of the node they belong to). Children come
 * right after their parent, which is also what `groupObjects: true` asks for.
 */
function toJsonl(data: Json, operation: OperationDefinitionNode, schema: GraphQLSchema, walk: Walk): { lines: string[]; roots: number } {
  const lines: string[] = [];
  let roots = 0;
  type Pending = { connection: Json; plan: Plan };

  /** Copies an object's selected fields, holding back its connections for the caller to emit. */
  const copy = (value: Json, plan: Plan, pending: Pending[]): Json => {
    const out: Json = {};
    for (const field of plan.fields) {
      if (!(field.key in value)) continue;
      const child = value[field.key];
      if (child === null || child === undefined || field.kind === "value") out[field.key] = child;
      else if (field.kind === "connection") pending.push({ connection: child as Json, plan: field.plan! });
      else if (Array.isArray(child)) out[field.key] = child.map((element: Json | null) => element && copy(element, field.plan!, pending));
      else out[field.key] = copy(child as Json, field.plan!, pending);
    }
    return out;
  };

  const emit = ({ connection, plan }: Pending, parentId: string | undefined) => {
    for (const edge of (connection.edges as { node: Json }[] | undefined) ?? []) {
      const nested: Pending[] = [];
      const line = copy(edge.node, plan, nested);
      if (parentId === undefined) roots++;
      else line.__parentId = parentId;
      lines.push(JSON.stringify(line));
      for (const child of nested) emit(child, edge.node.id as string);
    }
  };

  const top: Pending[] = [];
  copy(data, planOf([{ kind: Kind.FIELD, name: { kind: Kind.NAME, value: "query" }, selectionSet: operation.selectionSet }], schema.getQueryType()!, walk), top);
  for (const connection of top) emit(connection, undefined);
  return { lines, roots };
}

export class BulkOperations {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly store: ShopifyStore,
    private readonly webhooks: WebhookDispatcher,
    private readonly settings: () => BulkSettings,
  ) {}

  /** bulkOperationRunQuery: the new operation, or the user errors that refuse the query. */
  runQuery(shop: ShopRecord, query: string, baseUrl: string): { operation: BulkOperationRecord | null; userErrors: BulkUserError[] } {
    const schema = loadAdminSchema();
    const checked = queryErrors(query, schema);
    if (checked.errors.length > 0) return { operation: null, userErrors: checked.errors };
    const running = [...shop.bulkOperations.values()].filter((operation) => operation.status === "CREATED" || operation.status === "RUNNING");
    if (running.length >= MAX_CONCURRENT_BULK_OPERATIONS) {
      return { operation: null, userErrors: [{ field: null, message: "Bulk operations limit reached. Please try again later.", code: "LIMIT_REACHED" }] };
    }
    const operation: BulkOperationRecord = {
      id: this.store.nextId("bulkOperation"),
      type: "QUERY",
      query,
      status: "CREATED",
      errorCode: null,
      createdAt: new Date(),
      completedAt: null,
      objectCount: 0,
      rootObjectCount: 0,
      result: null,
      fileSize: null,
      url: null,
    };
    shop.bulkOperations.set(operation.id, operation);
    const url = `${baseUrl}${RESULT_PATH}/${shop.domain}/${operation.id}.jsonl`;
    this.after(0, () => {
      operation.status = "RUNNING";
      this.after(this.settings().bulkOperationDelayMs, () => this.complete(shop, operation, checked.document!, checked.walk!, url));
    });
    return { operation, userErrors: [] };
  }

  /** Serves results at the operations' urls. */
  router(): express.Router {
    const router = express.Router();
    router.get(`${RESULT_PATH}/:shop/:file`, (request, response) => {
      const match = /^(\d+)\.jsonl$/.exec(request.params.file ?? "");
      const operation = match && this.store.shop(request.params.shop ?? "")?.bulkOperations.get(Number(match[1]));
      if (!operation || operation.result === null) {
        response.status(404).type("text/plain").send("Not Found");
        return;
      }
      response.type("application/jsonl").send(operation.result);
    });
    return router;
  }

  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private complete(shop: ShopRecord, operation: BulkOperationRecord, document: DocumentNode, walk: Walk, url: string): void {
    const schema = loadAdminSchema();
    const context = { store: this.store, shop, searchWarnings: [], bulk: true };
    const result = executeSync({ schema, document, rootValue: createQueryRoot(context), contextValue: context, fieldResolver: resolveViewField });
    operation.completedAt = new Date();
    if (result.errors || !result.data) {
      // Shopify fails an operation whose query broke while running; here that is a field the sandbox lacks.
      operation.status = "FAILED";
      operation.errorCode = "INTERNAL_SERVER_ERROR";
      console.warn(`Shopify sandbox: bulk operation ${operation.id} failed: ${result.errors?.map((error) => error.message).join("; ")}`);
    } else {
      const { lines, roots } = toJsonl(result.data as Json, getOperationAST(document)!, schema, walk);
      operation.result = lines.length > 0 ? `${lines.join("\n")}\n` : "";
      operation.fileSize = Buffer.byteLength(operation.result);
      operation.objectCount = lines.length;
      operation.rootObjectCount = roots;
      operation.url = url;
      operation.status = "COMPLETED";
    }
    void this.webhooks
      .deliverEvent(shop.domain, "bulk_operations/finish", {
        admin_graphql_api_id: gid("BulkOperation", operation.id),
        completed_at: shopTime(operation.completedAt, shop.ianaTimezone),
        created_at: shopTime(operation.createdAt, shop.ianaTimezone),
        error_code: operation.errorCode?.toLowerCase() ?? null,
        status: operation.status.toLowerCase(),
        type: operation.type.toLowerCase(),
      })
      // Deliveries record their own failures; nothing waits for this one.
      .catch(() => undefined);
  }

  private after(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, ms);
    this.timers.add(timer);
  }
}
