import { gid } from "./gid";
import { orderPayload, refundPayload } from "./order-payloads";
import type { CustomerRecord, InventoryLevelRecord, ShopRecord } from "./store";
import { shopTime, utcOffset } from "./time";

/**
 * Default bodies for the topics the sandbox can raise by itself (the order topics' bodies are in order-payloads.ts), in Shopify's shapes (webhook payloads are the
 * REST representation, snake_case, times in the shop's zone). Any other topic needs an explicit payload.
 */

export class MissingPayloadError extends Error {}

type Payload = Record<string, unknown>;

/** The REST shop resource, which Shopify sends for app/uninstalled (and shop/update). */
function shopResource(shop: ShopRecord): Payload {
  const zone = shop.ianaTimezone;
  const primaryLocationId = [...shop.locations.keys()][0] ?? null;
  return {
    id: shop.id,
    name: shop.name,
    email: shop.email,
    domain: shop.primaryDomainHost,
    province: shop.address.province,
    country: shop.address.countryCode,
    address1: shop.address.address1,
    zip: shop.address.zip,
    city: shop.address.city,
    source: null,
    phone: shop.address.phone,
    latitude: null,
    longitude: null,
    primary_locale: "en",
    address2: shop.address.address2,
    created_at: shopTime(shop.createdAt, zone),
    updated_at: shopTime(shop.createdAt, zone),
    country_code: shop.address.countryCode,
    country_name: shop.address.country,
    currency: shop.currencyCode,
    customer_email: shop.email,
    timezone: `(GMT${utcOffset(zone, new Date())}) ${zone}`,
    iana_timezone: zone,
    shop_owner: shop.shopOwnerName,
    money_format: "${{amount}}",
    money_with_currency_format: `\${{amount}} ${shop.currencyCode}`,
    weight_unit: "lb",
    province_code: shop.address.provinceCode,
    taxes_included: false,
    tax_shipping: null,
    county_taxes: true,
    plan_display_name: shop.planDisplayName,
    plan_name: shop.planDisplayName.toLowerCase(),
    has_discounts: false,
    has_gift_cards: false,
    myshopify_domain: shop.domain,
    money_in_emails_format: "${{amount}}",
    money_with_currency_in_emails_format: `\${{amount}} ${shop.currencyCode}`,
    eligible_for_payments: true,
    requires_extra_payments_agreement: false,
    password_enabled: false,
    has_storefront: true,
    finances: true,
    primary_location_id: primaryLocationId,
    checkout_api_supported: true,
    multi_location_enabled: true,
    setup_required: false,
    pre_launch_enabled: false,
    enabled_presentment_currencies: [shop.currencyCode],
  };
}

function customerOf(shop: ShopRecord, customerId?: number): CustomerRecord {
  const customer = customerId === undefined ? shop.customers[0] : shop.customers.find((candidate) => candidate.id === customerId);
  if (!customer) {
    throw new MissingPayloadError(
      customerId === undefined ? `${shop.domain} has no customers: pass a payload` : `${shop.domain} has no customer ${customerId}`,
    );
  }
  return customer;
}

/** The REST inventory level, which Shopify sends for inventory_levels/update. */
export function inventoryLevelPayload(shop: ShopRecord, level: InventoryLevelRecord): Payload {
  return {
    inventory_item_id: level.inventoryItemId,
    location_id: level.locationId,
    available: level.quantities.available,
    updated_at: shopTime(level.updatedAt, shop.ianaTimezone),
    admin_graphql_api_id: gid("InventoryLevel", level.locationId, { inventory_item_id: level.inventoryItemId }),
  };
}

export interface PayloadOptions {
  /** For the customer topics: which customer (default: the shop's first). */
  customerId?: number;
}

export function defaultPayload(shop: ShopRecord, topic: string, options: PayloadOptions = {}): Payload {
  const shopRef = { shop_id: shop.id, shop_domain: shop.domain };
  switch (topic) {
    case "app/uninstalled":
      return shopResource(shop);
    case "app/scopes_update":
      return {
        id: shop.id,
        // The sandbox grants the toml's scopes at install and never changes them: as if first granted now.
        previous: [],
        current: shop.scopes,
        updated_at: shopTime(new Date(), shop.ianaTimezone),
      };
    case "customers/data_request": {
      const customer = customerOf(shop, options.customerId);
      return {
        ...shopRef,
        orders_requested: customer.orderIds,
        customer: { id: customer.id, email: customer.email, phone: customer.phone },
        // Shopify numbers data requests itself; any positive id of that size will do here.
        data_request: { id: Math.floor(Date.now() / 1000) },
      };
    }
    case "customers/redact": {
      const customer = customerOf(shop, options.customerId);
      return {
        ...shopRef,
        customer: { id: customer.id, email: customer.email, phone: customer.phone },
        orders_to_redact: customer.orderIds,
      };
    }
    case "shop/redact":
      return shopRef;
    case "orders/create":
    case "orders/paid":
    case "orders/updated": {
      // The shop's latest order, as it is now.
      const order = [...shop.orders.values()].at(-1);
      if (!order) throw new MissingPayloadError(`${shop.domain} has no orders: create one or pass a payload`);
      return orderPayload(shop, order);
    }
    case "refunds/create": {
      const order = [...shop.orders.values()].reverse().find((candidate) => candidate.refunds.length > 0);
      if (!order) throw new MissingPayloadError(`${shop.domain} has no refunds: refund an order or pass a payload`);
      return refundPayload(shop, order, order.refunds.at(-1)!);
    }
    case "inventory_levels/update": {
      const level = [...shop.inventoryLevels.values()][0];
      if (!level) throw new MissingPayloadError(`${shop.domain} has no inventory levels: pass a payload`);
      return inventoryLevelPayload(shop, level);
    }
    default:
      throw new MissingPayloadError(`The sandbox has no default payload for ${topic}: pass a payload`);
  }
}
