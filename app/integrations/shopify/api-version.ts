import { ApiVersion } from "@shopify/shopify-api";

/** The Admin API version every call uses and every GraphQL document in app/ is validated against. */
export const SHOPIFY_API_VERSION = ApiVersion.October26;
