import express from "express";
import { authenticate, requireScope } from "./auth";
import { catalogRoutes } from "./catalog-api";
import type { SandboxCore } from "./core";
import { notFound } from "./errors";
import { squareEndpoint } from "./http";
import { inventoryRoutes } from "./inventory-api";
import { ordersRoutes } from "./orders-api";
import type { LocationRecord, SellerRecord } from "./seed";

/**
 * The /v2 endpoints: RetrieveMerchant and ListLocations (both need MERCHANT_PROFILE_READ), the Catalog and
 * Inventory APIs (catalog-api.ts, inventory-api.ts), and the Orders, Payments and Refunds APIs (orders-api.ts).
 * Bodies are the wire form of the SDK's types (snake_case, no field the SDK's serialization schemas do not know: the
 * integration tests parse them with unrecognizedObjectKeys "fail").
 */

/** A batch upsert of 10,000 objects is a few megabytes of JSON. */
const BODY_LIMIT = "20mb";

function merchantBody(seller: SellerRecord) {
  return {
    id: seller.id,
    business_name: seller.businessName,
    country: seller.country,
    language_code: seller.languageCode,
    currency: seller.currency,
    status: "ACTIVE",
    main_location_id: seller.locations[0]?.id,
    created_at: seller.createdAt,
  };
}

function locationBody(seller: SellerRecord, location: LocationRecord) {
  return {
    id: location.id,
    name: location.name,
    address: location.address,
    timezone: location.timezone,
    capabilities: ["CREDIT_CARD_PROCESSING", "AUTOMATIC_TRANSFERS"],
    status: "ACTIVE",
    created_at: location.createdAt,
    merchant_id: seller.id,
    country: seller.country,
    language_code: seller.languageCode,
    currency: seller.currency,
    phone_number: location.phoneNumber,
    business_name: seller.businessName,
    type: location.type,
    business_email: seller.email,
    mcc: location.mcc,
  };
}

export function apiRoutes(core: SandboxCore): express.Router {
  const router = express.Router();
  router.use("/v2", (_request, _response, next) => {
    core.stats.count("apiCalls");
    next();
  });
  router.use("/v2", express.json({ limit: BODY_LIMIT }));

  router.get(
    "/v2/merchants/:merchantId",
    squareEndpoint(core, (request, response) => {
      const token = authenticate(core, request);
      requireScope(token, "MERCHANT_PROFILE_READ");
      const id = request.params.merchantId === "me" ? token.merchantId : request.params.merchantId;
      // A token only sees its own seller. Square's answer for another seller's id is not documented: 404 here.
      if (id !== token.merchantId) throw notFound(`Merchant ${id} not found.`);
      response.json({ merchant: merchantBody(core.seller(id)) });
    }),
  );

  router.get(
    "/v2/locations",
    squareEndpoint(core, (request, response) => {
      const token = authenticate(core, request);
      requireScope(token, "MERCHANT_PROFILE_READ");
      const seller = core.seller(token.merchantId);
      response.json({ locations: seller.locations.map((location) => locationBody(seller, location)) });
    }),
  );
  router.use(catalogRoutes(core));
  router.use(inventoryRoutes(core));
  router.use(ordersRoutes(core));
  return router;
}
