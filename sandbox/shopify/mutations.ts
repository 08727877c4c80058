import { getDirectiveValues, GraphQLError, type FieldNode, type GraphQLResolveInfo } from "graphql";
import { loadAdminSchema } from "./admin-schema";
import type { BulkOperations } from "./bulk-operations";
import { canonicalJson, type IdempotencyRegistry } from "./idempotency";
import type { AdjustQuantitiesInput, InventoryMutationResult, InventoryService, InventoryUserError, SetQuantitiesInput } from "./inventory";
import { createViews, type ResolverContext, type View } from "./resolvers";
import type { StatsCounter } from "./stats";

/**
 * The mutations the sandbox implements, resolved like the query root (resolvers.ts): inventoryAdjustQuantities and
 * inventorySetQuantities, which Shopify requires an `@idempotent(key:)` directive on since 2026-04, and
 * bulkOperationRunQuery. Any other mutation answers that it is not implemented.
 */

type Args = Record<string, unknown>;

/** Shopify's limit on the size of an input list (shopify.dev "API limits"). */
const MAX_INPUT_SIZE = 250;

export interface MutationServices {
  inventory: InventoryService;
  idempotency: IdempotencyRegistry<InventoryMutationResult>;
  bulk: BulkOperations;
  stats: StatsCounter;
  /** The HTTP call being served: it holds its idempotency keys. */
  call: object;
  /** The sandbox's URL as the client reached it, for the bulk operation result URLs. */
  baseUrl: string;
}

function topLevelError(info: GraphQLResolveInfo, message: string, code: string, path: (string | number)[] = [info.path.key]): GraphQLError {
  return new GraphQLError(message, { nodes: info.fieldNodes, path, extensions: { code } });
}

/** The key of the field's `@idempotent(key:)` directive; undefined when there is none. */
function idempotencyKey(info: GraphQLResolveInfo): string | undefined {
  const directive = loadAdminSchema().getDirective("idempotent")!;
  const values = getDirectiveValues(directive, info.fieldNodes[0] as FieldNode, info.variableValues);
  return values?.key as string | undefined;
}

export function createMutationRoot(context: ResolverContext, services: MutationServices): View {
  const { shop } = context;
  const { adjustmentGroupView, bulkOperationView } = createViews(context);

  const inventoryPayload = (payloadType: string, errorType: string, result: InventoryMutationResult): View => ({
    __typename: payloadType,
    inventoryAdjustmentGroup: result.group && adjustmentGroupView(result.group),
    userErrors: result.userErrors.map((error) => ({ __typename: errorType, ...error })),
  });

  /**
   * The checks Shopify makes before an inventory mutation runs, then the idempotency key: a replay of the first
   * call's result, a refusal, or the run, whose result is remembered under the key.
   */
  const idempotentInventoryMutation = (
    info: GraphQLResolveInfo,
    args: Args,
    entries: { list: Args[]; field: string; inputType: string },
    run: () => InventoryMutationResult,
  ): InventoryMutationResult => {
    if (entries.list.length > MAX_INPUT_SIZE) {
      throw topLevelError(info, `The input array size of ${entries.list.length} is greater than the maximum allowed of ${MAX_INPUT_SIZE}.`, "MAX_INPUT_SIZE_EXCEEDED", [
        info.path.key,
        "input",
        entries.field,
      ]);
    }
    // changeFromQuantity may be null but must be given: Shopify refuses an entry without it before anything else.
    if (entries.list.some((entry) => !("changeFromQuantity" in entry))) {
      throw topLevelError(info, `${entries.inputType} must include the following argument: changeFromQuantity.`, "INVALID_FIELD_ARGUMENTS");
    }
    const key = idempotencyKey(info);
    if (key === undefined) throw topLevelError(info, "The @idempotent directive is required for this mutation but was not provided.", "BAD_REQUEST");
    if (key.trim() === "") throw topLevelError(info, "The idempotency key cannot be an empty string or whitespace only.", "BAD_REQUEST");

    const fingerprint = canonicalJson({ mutation: info.fieldName, args });
    const outcome = services.idempotency.begin(shop.domain, key, fingerprint, services.call);
    const refusal = (message: string, code: string): InventoryMutationResult => ({ group: null, userErrors: [{ field: null, message, code } satisfies InventoryUserError] });
    switch (outcome.kind) {
      case "replay":
        services.stats.count(shop.domain, "idempotentReplays");
        return outcome.result;
      case "mismatch":
        return refusal("The same idempotency key cannot be used with different operation parameters.", "IDEMPOTENCY_KEY_PARAMETER_MISMATCH");
      case "concurrent":
        return refusal("This request is currently in progress, please try again.", "IDEMPOTENCY_CONCURRENT_REQUEST");
      case "new": {
        const result = run();
        services.idempotency.complete(shop.domain, key, fingerprint, result);
        return result;
      }
    }
  };

  return {
    inventoryAdjustQuantities: (args: Args, _context: ResolverContext, info: GraphQLResolveInfo) => {
      const input = args.input as AdjustQuantitiesInput;
      const result = idempotentInventoryMutation(info, args, { list: input.changes as unknown as Args[], field: "changes", inputType: "InventoryChangeInput" }, () =>
        services.inventory.adjustQuantities(shop, input),
      );
      return inventoryPayload("InventoryAdjustQuantitiesPayload", "InventoryAdjustQuantitiesUserError", result);
    },
    inventorySetQuantities: (args: Args, _context: ResolverContext, info: GraphQLResolveInfo) => {
      const input = args.input as SetQuantitiesInput;
      const result = idempotentInventoryMutation(info, args, { list: input.quantities as unknown as Args[], field: "quantities", inputType: "InventoryQuantityInput" }, () =>
        services.inventory.setQuantities(shop, input),
      );
      return inventoryPayload("InventorySetQuantitiesPayload", "InventorySetQuantitiesUserError", result);
    },
    bulkOperationRunQuery: (args: Args) => {
      const { operation, userErrors } = services.bulk.runQuery(shop, args.query as string, services.baseUrl);
      return {
        __typename: "BulkOperationRunQueryPayload",
        bulkOperation: operation && bulkOperationView(operation),
        userErrors: userErrors.map((error) => ({ __typename: "BulkOperationUserError", ...error })),
      };
    },
  };
}
