import express, { type NextFunction, type Request, type Response } from "express";
import {
  executeSync,
  getDirectiveValues,
  getNamedType,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  isLeafType,
  Kind,
  parse,
  validate,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLFieldResolver,
  type GraphQLOutputType,
} from "graphql";
import { ADMIN_API_VERSION, loadAdminSchema } from "./admin-schema";
import type { SandboxCore } from "./core";
import { graphqlFaults } from "./faults";
import { CONNECTION_COST, isConnectionType, MAX_SINGLE_QUERY_COST, MUTATION_COST, requestedQueryCost } from "./cost";
import { shopifyValidationErrors } from "./graphql-errors";
import { createMutationRoot } from "./mutations";
import { createQueryRoot, notImplemented, resolveViewField, type ResolverContext, type View } from "./resolvers";

/**
 * Admin GraphQL, POST https://{shop}/admin/api/2026-10/graphql.json: checks the access token, validates against
 * Shopify's real schema, charges the query's cost to the shop's leaky bucket, executes against the store and
 * answers with `extensions.cost`, as Shopify does. The fault switches apply (faults.ts): throttles here, the
 * others before the handler.
 */

const INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)";
// Public apps created from 2026-04-01 must use expiring offline tokens; Shopify refuses non-expiring ones with this
// message (as reported by apps that hit it; the body shape is assumed to be that of the 401 above).
const NON_EXPIRING_REFUSED = "Non-expiring access tokens are no longer accepted for the Admin API. Start using expiring offline tokens.";
const RATE_LIMITS_DOCS = "https://shopify.dev/api/usage/rate-limits";

interface GraphqlRequest {
  query: string;
  variables: Record<string, unknown>;
  operationName: string | undefined;
}

function readRequest(body: unknown): GraphqlRequest | undefined {
  if (typeof body === "string") return body.trim() ? { query: body, variables: {}, operationName: undefined } : undefined;
  if (typeof body !== "object" || body === null) return undefined;
  const { query, variables, operationName } = body as Record<string, unknown>;
  if (typeof query !== "string" || !query.trim()) return undefined;
  return {
    query,
    variables: typeof variables === "object" && variables !== null ? (variables as Record<string, unknown>) : {},
    operationName: typeof operationName === "string" ? operationName : undefined,
  };
}

/** Cost of what execution really returned: 2 per connection, 1 per object (edges and page info are free). */
function returnedCost(type: GraphQLOutputType, result: unknown): number {
  const named = getNamedType(type);
  if (result == null || isLeafType(named) || named.name === "PageInfo" || named.name.endsWith("Edge")) return 0;
  if (isConnectionType(named)) return CONNECTION_COST;
  return Array.isArray(result) ? result.filter((item) => item != null).length : 1;
}

function fragmentsOf(document: DocumentNode): Record<string, FragmentDefinitionNode> {
  return Object.fromEntries(
    document.definitions.flatMap((definition) => (definition.kind === Kind.FRAGMENT_DEFINITION ? [[definition.name.value, definition]] : [])),
  );
}

/** The keys of the `@idempotent(key:)` directives on a mutation's root fields. */
function idempotencyKeys(request: GraphqlRequest): string[] {
  let document: DocumentNode;
  try {
    document = parse(request.query);
  } catch {
    return [];
  }
  const operation = getOperationAST(document, request.operationName);
  if (operation?.operation !== "mutation") return [];
  const directive = loadAdminSchema().getDirective("idempotent")!;
  return operation.selectionSet.selections.flatMap((selection) => {
    if (selection.kind !== Kind.FIELD) return [];
    try {
      const key = getDirectiveValues(directive, selection, request.variables)?.key;
      return typeof key === "string" ? [key] : [];
    } catch {
      // An invalid key fails in execution with its own error.
      return [];
    }
  });
}

/**
 * A mutation holds its idempotency keys from its arrival (before the fault switches' latency) until it is answered
 * or its connection closes, so that a second call with a key in use is refused as concurrent (idempotency.ts).
 */
function holdIdempotencyKeys(core: SandboxCore) {
  return (request: Request, response: Response, next: NextFunction) => {
    const graphqlRequest = readRequest(request.body);
    const keys = graphqlRequest ? idempotencyKeys(graphqlRequest) : [];
    if (keys.length > 0) {
      for (const key of keys) core.idempotency.claim(request.params.shop ?? "", key, request);
      const release = () => core.idempotency.release(request);
      response.once("finish", release);
      response.once("close", release);
    }
    next();
  };
}

export function adminGraphql(core: SandboxCore): express.Router {
  const router = express.Router();
  router.post(
    "/store/:shop/admin/api/:version/graphql.json",
    express.json({ limit: "1mb" }),
    express.text({ type: "application/graphql", limit: "1mb" }),
    holdIdempotencyKeys(core),
    core.faults.middleware(graphqlFaults(core)),
    (request, response) => {
      const domain = request.params.shop!;
      const shop = core.store.shop(domain);
      if (!shop) {
        response.status(404).json({ errors: "Not Found" });
        return;
      }
      if (request.params.version !== ADMIN_API_VERSION) {
        response.status(404).json({ errors: `The Tillbridge Shopify sandbox serves Admin API ${ADMIN_API_VERSION} only` });
        return;
      }
      response.setHeader("X-Shopify-API-Version", ADMIN_API_VERSION);
      const token = core.tokens.liveAccessToken(request.get("X-Shopify-Access-Token") ?? "");
      if (!token || token.shop !== domain) {
        core.stats.count(domain, "graphqlUnauthorized");
        response.status(401).json({ errors: INVALID_TOKEN });
        return;
      }
      if (token.kind === "offline") {
        core.stats.count(domain, "graphqlUnauthorized");
        response.status(403).json({ errors: NON_EXPIRING_REFUSED });
        return;
      }
      core.stats.count(domain, "graphql");
      const graphqlRequest = readRequest(request.body);
      if (!graphqlRequest) {
        response.status(400).json({ errors: { query: "Required parameter missing or invalid" } });
        return;
      }
      // The URL the client reached the sandbox at, for the URLs the sandbox hands out (bulk operation results).
      const baseUrl = `${request.protocol}://${request.get("Host")}`;
      run(core, { store: core.store, shop, searchWarnings: [], scopes: token.scopes }, graphqlRequest, response, { call: request, baseUrl });
    },
  );
  return router;
}

function run(core: SandboxCore, context: ResolverContext, request: GraphqlRequest, response: Response, call: { call: object; baseUrl: string }): void {
  const schema = loadAdminSchema();
  const domain = context.shop.domain;
  let document: DocumentNode;
  try {
    document = parse(request.query);
  } catch (error) {
    response.json({ errors: [(error as GraphQLError).toJSON()] });
    return;
  }
  const validationErrors = validate(schema, document);
  if (validationErrors.length > 0) {
    response.json({ errors: shopifyValidationErrors(document, validationErrors) });
    return;
  }
  const operation = getOperationAST(document, request.operationName);
  const variables = operation && getVariableValues(schema, operation.variableDefinitions ?? [], request.variables);
  if (!operation || !variables || variables.errors) {
    // Execution reports the missing operation or the invalid variables in GraphQL's own words.
    const result = executeSync({ schema, document, variableValues: request.variables, operationName: request.operationName });
    response.json({ errors: result.errors?.map((error) => error.toJSON()) });
    return;
  }

  const requested = requestedQueryCost(schema, operation, fragmentsOf(document), variables.coerced);
  const refused = (error: object) => ({
    errors: [error],
    extensions: { cost: { requestedQueryCost: requested, actualQueryCost: null, throttleStatus: core.bucket.status(domain) } },
  });
  if (requested > MAX_SINGLE_QUERY_COST) {
    response.json(
      refused({
        message: `Query cost is ${requested}, which exceeds the single query max cost limit (${MAX_SINGLE_QUERY_COST}).`,
        extensions: { code: "MAX_COST_EXCEEDED", cost: requested, maxCost: MAX_SINGLE_QUERY_COST, documentation: RATE_LIMITS_DOCS },
      }),
    );
    return;
  }
  // A throttle of the fault switches: Shopify's answer for a bucket that cannot pay, showing it empty (it is not
  // drained, so the call after the last forced throttle goes through).
  if (core.faults.takeThrottle()) {
    core.stats.count(domain, "graphqlThrottled");
    const throttled = refused({ message: "Throttled", extensions: { code: "THROTTLED", documentation: RATE_LIMITS_DOCS } });
    throttled.extensions.cost.throttleStatus = { ...throttled.extensions.cost.throttleStatus, currentlyAvailable: 0 };
    response.json(throttled);
    return;
  }
  if (!core.bucket.take(domain, requested)) {
    core.stats.count(domain, "graphqlThrottled");
    response.json(refused({ message: "Throttled", extensions: { code: "THROTTLED", documentation: RATE_LIMITS_DOCS } }));
    return;
  }

  let actual = 0;
  const mutationType = schema.getMutationType();
  const isMutation = operation.operation === "mutation";
  const fieldResolver: GraphQLFieldResolver<View, ResolverContext> = (source, args, resolverContext, info) => {
    if (info.parentType === mutationType) {
      // A mutation costs its flat price, whatever its payload returns.
      actual += MUTATION_COST;
      if (!(info.fieldName in source)) throw notImplemented(`The mutation ${info.fieldName}`);
    }
    const result = resolveViewField(source, args, resolverContext, info);
    if (!isMutation) actual += returnedCost(info.returnType, result);
    return result;
  };
  const rootValue = isMutation
    ? createMutationRoot(context, {
        inventory: core.inventory,
        idempotency: core.idempotency,
        bulk: core.bulkOperations,
        stats: core.stats,
        ...call,
      })
    : operation.operation === "query"
      ? createQueryRoot(context)
      : {};
  const result = executeSync({
    schema,
    document,
    rootValue,
    contextValue: context,
    variableValues: request.variables,
    operationName: request.operationName,
    fieldResolver,
  });
  core.bucket.refund(domain, Math.max(0, requested - actual));
  response.json({
    ...(result.errors && { errors: result.errors.map((error) => error.toJSON()) }),
    data: result.data ?? null,
    extensions: {
      cost: { requestedQueryCost: requested, actualQueryCost: actual, throttleStatus: core.bucket.status(domain) },
      ...(context.searchWarnings.length > 0 && { search: context.searchWarnings }),
    },
  });
}
