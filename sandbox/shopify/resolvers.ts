import { GraphQLError, responsePathAsArray, type GraphQLFieldResolver, type GraphQLResolveInfo } from "graphql";
import { decodeCursor, encodeCursor, gid, idOfType, parseGid } from "./gid";
import { createOrderViews } from "./order-views";
import { matchesSearch, parseSearchQuery, unknownSearchFields, type SearchFields } from "./search-query";
import {
  QUANTITY_NAMES,
  quantityOf,
  type BulkOperationRecord,
  type InventoryAdjustmentGroupRecord,
  type InventoryItemRecord,
  type InventoryLevelRecord,
  type LocationRecord,
  type ProductRecord,
  type QuantityName,
  type ShopRecord,
  type ShopifyStore,
  type VariantRecord,
} from "./store";
import { utcOffset, utcOffsetMinutes, zoneAbbreviation } from "./time";

/**
 * Views of the store's records as Admin API objects. graphql.ts executes against the real schema with a field
 * resolver that reads the property named like the field: a value, or a function called with (args, context,
 * info). A field a view leaves out is not implemented and answers an error that says so, never a silent null.
 */

export type View = Record<string, unknown>;
type Args = Record<string, unknown>;
/** A view property that is computed: called with the field's arguments. */
export type ViewField = (args: Args, context: ResolverContext, info: GraphQLResolveInfo) => unknown;

export interface SearchWarning {
  path: (string | number)[];
  query: string;
  warnings: { field: string; message: string }[];
}

export interface ResolverContext {
  store: ShopifyStore;
  shop: ShopRecord;
  /** Search warnings for `extensions.search`, as Shopify reports fields a query filter does not know. */
  searchWarnings: SearchWarning[];
  /**
   * A bulk operation's run (bulk-operations.ts): connections return every record, as Shopify pages through them
   * itself, and take no first/last.
   */
  bulk?: boolean;
  /** The access scopes of the call's token; default the shop's granted scopes (a bulk operation's run). */
  scopes?: readonly string[];
}

export function notImplemented(what: string): GraphQLError {
  return new GraphQLError(`${what} is not implemented in the Tillbridge Shopify sandbox`, {
    extensions: { code: "NOT_IMPLEMENTED_IN_SANDBOX" },
  });
}

/** Reads the view property named like the field, calling it if computed; a field the view lacks is not implemented. */
export const resolveViewField: GraphQLFieldResolver<View, ResolverContext> = (source, args, context, info) => {
  if (!(info.fieldName in source)) throw notImplemented(`${info.parentType.name}.${info.fieldName}`);
  const value = source[info.fieldName];
  return typeof value === "function" ? (value as ViewField)(args, context, info) : value;
};

export interface ConnectionOptions<T extends { id: number }> {
  typeName: string;
  view: (record: T) => View;
  sortKeys: Record<string, (record: T) => string | number>;
  defaultSortKey?: string;
  search?: { fields: SearchFields<T>; freeText: string[] };
}

/** Relay connection over records, with Shopify's first/last/after/before/reverse/sortKey/query arguments. */
export function connection<T extends { id: number }>(records: T[], args: Args, context: ResolverContext, info: GraphQLResolveInfo, options: ConnectionOptions<T>): View {
  // A bulk operation reads the whole list: its pagination arguments are ignored.
  const paged = context.bulk ? {} : args;
  const first = paged.first as number | null | undefined;
  const last = paged.last as number | null | undefined;
  if (first == null && last == null && !context.bulk) throw new GraphQLError("you must provide one of first or last");

  let selected = records;
  const query = args.query as string | null | undefined;
  if (query && options.search) {
    const parsed = parseSearchQuery(query);
    const unknown = unknownSearchFields(parsed, options.search.fields);
    if (unknown.length > 0) {
      context.searchWarnings.push({
        path: responsePathAsArray(info.path),
        query,
        warnings: unknown.map((field) => ({ field, message: "Invalid search field for this query." })),
      });
    }
    selected = selected.filter((record) => matchesSearch(record, parsed, options.search!.fields, options.search!.freeText));
  }

  const sortKeyName = (args.sortKey as string | null | undefined) ?? options.defaultSortKey ?? "ID";
  const sortKey = options.sortKeys[sortKeyName];
  if (!sortKey) throw notImplemented(`Sorting ${info.fieldName} by ${sortKeyName}`);
  const sorted = [...selected].sort((a, b) => {
    const [x, y] = [sortKey(a), sortKey(b)];
    return x < y ? -1 : x > y ? 1 : a.id - b.id;
  });
  if (args.reverse) sorted.reverse();

  let start = 0;
  let end = sorted.length;
  const indexOfCursor = (cursor: string) => {
    const id = decodeCursor(cursor);
    return sorted.findIndex((record) => record.id === id);
  };
  if (typeof paged.after === "string") start = indexOfCursor(paged.after) + 1;
  if (typeof paged.before === "string") end = Math.max(start, indexOfCursor(paged.before));
  if (first != null) end = Math.min(end, start + Math.max(0, first));
  if (last != null) start = Math.max(start, end - Math.max(0, last));

  const page = sorted.slice(start, end);
  const edges = page.map((record) => ({
    __typename: `${options.typeName}Edge`,
    cursor: encodeCursor(record.id, sortKey(record)),
    node: options.view(record),
  }));
  return {
    __typename: `${options.typeName}Connection`,
    edges,
    nodes: edges.map((edge) => edge.node),
    pageInfo: {
      __typename: "PageInfo",
      hasNextPage: end < sorted.length,
      hasPreviousPage: start > 0,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

export function count(total: number, args: Args): View {
  const limit = (args.limit as number | null | undefined) ?? 10_000;
  return { __typename: "Count", count: Math.min(total, limit), precision: total > limit ? "AT_LEAST" : "EXACT" };
}

export function money(amount: string, currencyCode: string): View {
  return { __typename: "MoneyV2", amount, currencyCode };
}

export const iso = (date: Date) => date.toISOString();

export type Views = ReturnType<typeof createViews>;

/** The views of one request over one shop's records; the query root and the mutations build their answers from them. */
export function createViews(context: ResolverContext) {
  const { store, shop } = context;
  const primaryLocationId = [...shop.locations.keys()][0];

  const itemOf = (variant: VariantRecord) => shop.inventoryItems.get(variant.inventoryItemId)!;
  const variantOf = (item: InventoryItemRecord) => shop.variants.get(item.variantId)!;
  const productOf = (variant: VariantRecord) => shop.products.get(variant.productId)!;
  const variantsOf = (product: ProductRecord) => product.variantIds.map((id) => shop.variants.get(id)!);
  const available = (item: InventoryItemRecord) => store.levelsOfItem(shop, item.id).reduce((sum, level) => sum + level.quantities.available, 0);

  const productSearch: SearchFields<ProductRecord> = {
    id: { get: (p) => p.id },
    title: { get: (p) => p.title, text: true },
    handle: { get: (p) => p.handle },
    vendor: { get: (p) => p.vendor, text: true },
    product_type: { get: (p) => p.productType, text: true },
    status: { get: (p) => p.status },
    tag: { get: (p) => p.tags },
    sku: { get: (p) => variantsOf(p).map((v) => itemOf(v).sku) },
    barcode: { get: (p) => variantsOf(p).map((v) => v.barcode) },
    created_at: { get: (p) => p.createdAt },
    updated_at: { get: (p) => p.updatedAt },
  };
  const variantSearch: SearchFields<VariantRecord> = {
    id: { get: (v) => v.id },
    sku: { get: (v) => itemOf(v).sku },
    barcode: { get: (v) => v.barcode },
    title: { get: (v) => v.title, text: true },
    product_id: { get: (v) => v.productId },
    product_status: { get: (v) => productOf(v).status },
    created_at: { get: (v) => v.createdAt },
    updated_at: { get: (v) => v.updatedAt },
  };
  const itemSearch: SearchFields<InventoryItemRecord> = {
    id: { get: (i) => i.id },
    sku: { get: (i) => i.sku },
    created_at: { get: (i) => i.createdAt },
    updated_at: { get: (i) => i.updatedAt },
  };
  const locationSearch: SearchFields<LocationRecord> = {
    id: { get: (l) => l.id },
    name: { get: (l) => l.name, text: true },
    active: { get: (l) => String(l.isActive) },
  };

  function shopView(): View {
    const zone = shop.ianaTimezone;
    const now = new Date();
    return {
      __typename: "Shop",
      id: gid("Shop", shop.id),
      name: shop.name,
      email: shop.email,
      contactEmail: shop.email,
      shopOwnerName: shop.shopOwnerName,
      myshopifyDomain: shop.domain,
      url: `https://${shop.primaryDomainHost}`,
      currencyCode: shop.currencyCode,
      enabledPresentmentCurrencies: [shop.currencyCode],
      ianaTimezone: zone,
      timezoneAbbreviation: zoneAbbreviation(zone, now),
      timezoneOffset: utcOffset(zone, now).replace(":", ""),
      timezoneOffsetMinutes: utcOffsetMinutes(zone, now),
      taxesIncluded: false,
      taxShipping: false,
      weightUnit: "POUNDS",
      unitSystem: "IMPERIAL_SYSTEM",
      description: null,
      createdAt: iso(shop.createdAt),
      updatedAt: iso(shop.createdAt),
      primaryDomain: {
        __typename: "Domain",
        id: gid("Domain", shop.id),
        host: shop.primaryDomainHost,
        url: `https://${shop.primaryDomainHost}`,
        sslEnabled: true,
      },
      plan: {
        __typename: "ShopPlan",
        displayName: shop.planDisplayName,
        publicDisplayName: shop.planDisplayName,
        partnerDevelopment: false,
        shopifyPlus: false,
      },
    };
  }

  function locationView(location: LocationRecord): View {
    const { address } = location;
    const isPrimary = location.id === primaryLocationId;
    return {
      __typename: "Location",
      id: gid("Location", location.id),
      legacyResourceId: String(location.id),
      name: location.name,
      isActive: location.isActive,
      isPrimary,
      activatable: !location.isActive,
      deactivatable: location.isActive && !isPrimary,
      deletable: false,
      deactivatedAt: null,
      fulfillsOnlineOrders: location.fulfillsOnlineOrders,
      shipsInventory: location.fulfillsOnlineOrders,
      hasActiveInventory: store.stocksAnything(shop, location.id),
      hasUnfulfilledOrders: false,
      isFulfillmentService: false,
      fulfillmentService: null,
      addressVerified: true,
      createdAt: iso(location.createdAt),
      updatedAt: iso(location.updatedAt),
      address: {
        __typename: "LocationAddress",
        ...address,
        latitude: null,
        longitude: null,
        formatted: [address.address1, ...(address.address2 ? [address.address2] : []), `${address.city} ${address.provinceCode} ${address.zip}`, address.country],
      },
      inventoryLevel: (args: Args) => {
        const itemId = idOfType(args.inventoryItemId as string, "InventoryItem");
        const level = itemId === undefined ? undefined : store.level(shop, itemId, location.id);
        return level ? levelView(level) : null;
      },
      inventoryLevels: (args: Args, _context: ResolverContext, info: GraphQLResolveInfo) =>
        connection(levelsAsRecords(store.levelsAtLocation(shop, location.id), "inventoryItemId"), args, context, info, levelConnection),
    };
  }

  function productView(product: ProductRecord): View {
    const variants = variantsOf(product);
    const prices = variants.map((variant) => Number(variant.price));
    const priceOf = (value: number) => money(value.toFixed(2), shop.currencyCode);
    return {
      __typename: "Product",
      id: gid("Product", product.id),
      legacyResourceId: String(product.id),
      title: product.title,
      handle: product.handle,
      vendor: product.vendor,
      productType: product.productType,
      status: product.status,
      tags: product.tags,
      descriptionHtml: product.descriptionHtml,
      description: (args: Args) => {
        const text = product.descriptionHtml.replace(/<[^>]*>/g, "");
        const truncateAt = args.truncateAt as number | null | undefined;
        return truncateAt != null && text.length > truncateAt ? `${text.slice(0, Math.max(0, truncateAt - 3))}...` : text;
      },
      createdAt: iso(product.createdAt),
      updatedAt: iso(product.updatedAt),
      isGiftCard: false,
      onlineStoreUrl: null,
      hasOnlyDefaultVariant: variants.length === 1 && variants[0]!.title === "Default Title",
      tracksInventory: variants.some((variant) => itemOf(variant).tracked),
      totalInventory: variants.reduce((sum, variant) => sum + available(itemOf(variant)), 0),
      hasOutOfStockVariants: variants.some((variant) => itemOf(variant).tracked && available(itemOf(variant)) <= 0),
      priceRangeV2: {
        __typename: "ProductPriceRangeV2",
        minVariantPrice: priceOf(Math.min(...prices)),
        maxVariantPrice: priceOf(Math.max(...prices)),
      },
      options: (args: Args) =>
        product.options.slice(0, (args.first as number | null | undefined) ?? undefined).map((option, index) => ({
          __typename: "ProductOption",
          id: gid("ProductOption", product.id * 10 + index + 1),
          name: option.name,
          position: index + 1,
          values: option.values,
        })),
      variantsCount: count(variants.length, {}),
      variants: (args: Args, _context: ResolverContext, info: GraphQLResolveInfo) =>
        connection(variants, args, context, info, { ...variantConnection, defaultSortKey: "POSITION" }),
    };
  }

  function variantView(variant: VariantRecord): View {
    const item = itemOf(variant);
    const product = productOf(variant);
    const sellable = available(item);
    return {
      __typename: "ProductVariant",
      id: gid("ProductVariant", variant.id),
      legacyResourceId: String(variant.id),
      title: variant.title,
      displayName: `${product.title} - ${variant.title}`,
      sku: item.sku,
      barcode: variant.barcode,
      price: variant.price,
      compareAtPrice: variant.compareAtPrice,
      position: variant.position,
      taxable: variant.taxable,
      inventoryPolicy: variant.inventoryPolicy,
      inventoryQuantity: sellable,
      sellableOnlineQuantity: Math.max(0, sellable),
      availableForSale: product.status === "ACTIVE" && (!item.tracked || variant.inventoryPolicy === "CONTINUE" || sellable > 0),
      createdAt: iso(variant.createdAt),
      updatedAt: iso(variant.updatedAt),
      selectedOptions: variant.selectedOptions.map((option) => ({ __typename: "SelectedOption", ...option })),
      product: () => productView(product),
      inventoryItem: () => itemView(item),
    };
  }

  function itemView(item: InventoryItemRecord): View {
    const levels = store.levelsOfItem(shop, item.id);
    return {
      __typename: "InventoryItem",
      id: gid("InventoryItem", item.id),
      legacyResourceId: String(item.id),
      sku: item.sku,
      tracked: item.tracked,
      requiresShipping: item.requiresShipping,
      // Computed only when asked: it compares with every item of the shop.
      duplicateSkuCount: () => (item.sku === null ? 0 : store.itemsWithSku(shop, item.sku).length - 1),
      unitCost: item.unitCost === null ? null : money(item.unitCost, shop.currencyCode),
      countryCodeOfOrigin: null,
      provinceCodeOfOrigin: null,
      harmonizedSystemCode: null,
      inventoryHistoryUrl: null,
      createdAt: iso(item.createdAt),
      updatedAt: iso(item.updatedAt),
      locationsCount: count(levels.length, {}),
      variant: () => variantView(variantOf(item)),
      inventoryLevel: (args: Args) => {
        const locationId = idOfType(args.locationId as string, "Location");
        const level = locationId === undefined ? undefined : store.level(shop, item.id, locationId);
        return level ? levelView(level) : null;
      },
      inventoryLevels: (args: Args, _context: ResolverContext, info: GraphQLResolveInfo) =>
        connection(levelsAsRecords(levels, "locationId"), args, context, info, levelConnection),
    };
  }

  function levelView(level: InventoryLevelRecord): View {
    const ref = { inventory_item_id: level.inventoryItemId };
    return {
      __typename: "InventoryLevel",
      id: gid("InventoryLevel", level.locationId, ref),
      isActive: true,
      canDeactivate: true,
      deactivationAlert: null,
      createdAt: iso(level.createdAt),
      updatedAt: iso(level.updatedAt),
      item: () => itemView(shop.inventoryItems.get(level.inventoryItemId)!),
      location: () => locationView(shop.locations.get(level.locationId)!),
      quantities: (args: Args) =>
        (args.names as string[]).map((name) => {
          if (!(QUANTITY_NAMES as readonly string[]).includes(name)) {
            throw new GraphQLError(`'${name}' is not a valid inventory quantity name. Valid names: ${QUANTITY_NAMES.join(", ")}`);
          }
          return {
            __typename: "InventoryQuantity",
            id: gid("InventoryQuantity", level.locationId, { ...ref, name }),
            name,
            quantity: quantityOf(level, name as QuantityName),
            updatedAt: iso(level.updatedAt),
          };
        }),
    };
  }

  // Inventory levels have no id of their own here; a connection pages an item's levels by location id and a
  // location's levels by item id, which is unique in either list.
  type LevelWithId = InventoryLevelRecord & { id: number };
  function levelsAsRecords(levels: InventoryLevelRecord[], key: "inventoryItemId" | "locationId"): LevelWithId[] {
    return levels.map((level) => ({ ...level, id: level[key] }));
  }
  const levelConnection: ConnectionOptions<LevelWithId> = { typeName: "InventoryLevel", view: levelView, sortKeys: { ID: (level) => level.id } };

  const variantConnection: ConnectionOptions<VariantRecord> = {
    typeName: "ProductVariant",
    view: variantView,
    sortKeys: { ID: (v) => v.id, POSITION: (v) => v.position, SKU: (v) => itemOf(v).sku ?? "", TITLE: (v) => v.title },
    search: { fields: variantSearch, freeText: ["title", "sku", "barcode"] },
  };

  function adjustmentGroupView(group: InventoryAdjustmentGroupRecord): View {
    const idsOf = (value: unknown, type: string) => (value == null ? null : new Set((value as string[]).map((id) => idOfType(id, type))));
    return {
      __typename: "InventoryAdjustmentGroup",
      id: gid("InventoryAdjustmentGroup", group.id),
      createdAt: iso(group.createdAt),
      reason: group.reason,
      referenceDocumentUri: group.referenceDocumentUri,
      // Changes made by an app: the app, not a staff member, is their author.
      staffMember: null,
      changes: (args: Args) => {
        const items = idsOf(args.inventoryItemIds, "InventoryItem");
        const locations = idsOf(args.locationIds, "Location");
        const names = args.quantityNames == null ? null : new Set(args.quantityNames as string[]);
        return group.changes
          .filter((change) => (!items || items.has(change.inventoryItemId)) && (!locations || locations.has(change.locationId)) && (!names || names.has(change.name)))
          .map((change) => ({
            __typename: "InventoryChange",
            name: change.name,
            delta: change.delta,
            quantityAfterChange: change.quantityAfterChange,
            ledgerDocumentUri: change.ledgerDocumentUri,
            item: () => {
              const item = shop.inventoryItems.get(change.inventoryItemId);
              return item ? itemView(item) : null;
            },
            location: () => {
              const location = shop.locations.get(change.locationId);
              return location ? locationView(location) : null;
            },
          }));
      },
    };
  }

  function bulkOperationView(operation: BulkOperationRecord): View {
    const done = operation.status === "COMPLETED";
    return {
      __typename: "BulkOperation",
      id: gid("BulkOperation", operation.id),
      type: operation.type,
      status: operation.status,
      errorCode: operation.errorCode,
      query: operation.query,
      createdAt: iso(operation.createdAt),
      completedAt: operation.completedAt && iso(operation.completedAt),
      // UnsignedInt64 is serialized as a string, as Shopify does.
      objectCount: String(operation.objectCount),
      rootObjectCount: String(operation.rootObjectCount),
      fileSize: done && operation.fileSize !== null ? String(operation.fileSize) : null,
      url: done ? operation.url : null,
      partialDataUrl: null,
    };
  }

  const orderViews = createOrderViews(context, { variantView, productView, locationView });

  /** node(id) for the modelled types: null when nothing has that id, an error for a type the sandbox lacks. */
  function nodeView(id: string): View | null {
    const parsed = parseGid(id);
    const orderNode = orderViews.orderNode(parsed.type, parsed.id);
    if (orderNode !== undefined) return orderNode;
    switch (parsed.type) {
      case "Shop":
        return parsed.id === shop.id ? shopView() : null;
      case "Location": {
        const location = shop.locations.get(parsed.id);
        return location ? locationView(location) : null;
      }
      case "Product": {
        const product = shop.products.get(parsed.id);
        return product ? productView(product) : null;
      }
      case "ProductVariant": {
        const variant = shop.variants.get(parsed.id);
        return variant ? variantView(variant) : null;
      }
      case "InventoryItem": {
        const item = shop.inventoryItems.get(parsed.id);
        return item ? itemView(item) : null;
      }
      case "InventoryLevel": {
        const level = store.level(shop, Number(parsed.params.get("inventory_item_id")), parsed.id);
        return level ? levelView(level) : null;
      }
      case "InventoryAdjustmentGroup": {
        const group = shop.adjustmentGroups.get(parsed.id);
        return group ? adjustmentGroupView(group) : null;
      }
      case "BulkOperation": {
        const operation = shop.bulkOperations.get(parsed.id);
        return operation ? bulkOperationView(operation) : null;
      }
      default:
        throw notImplemented(`Looking up ${parsed.type} objects`);
    }
  }

  function typedNode(id: string, type: string): View | null {
    const view = nodeView(id);
    return view?.__typename === type ? view : null;
  }

  return {
    primaryLocationId,
    productSearch,
    variantSearch,
    itemSearch,
    locationSearch,
    variantConnection,
    shopView,
    locationView,
    productView,
    variantView,
    itemView,
    levelView,
    adjustmentGroupView,
    bulkOperationView,
    orderViews,
    nodeView,
    typedNode,
  };
}

/** The root query object of one request: one property per implemented QueryRoot field, over one shop's records. */
export function createQueryRoot(context: ResolverContext): View {
  const { shop } = context;
  const views = createViews(context);
  const { primaryLocationId, productSearch, variantSearch, itemSearch, locationSearch, variantConnection } = views;
  const { shopView, locationView, productView, itemView, bulkOperationView, orderViews, nodeView, typedNode } = views;
  const products = () => [...shop.products.values()];
  const variants = () => [...shop.variants.values()];
  const items = () => [...shop.inventoryItems.values()];
  const locations = (args: Args) => [...shop.locations.values()].filter((location) => location.isActive || args.includeInactive === true);
  const bulkOperations = () => [...shop.bulkOperations.values()];
  const countMatching = <T>(records: T[], args: Args, fields: SearchFields<T>, freeText: string[]) => {
    const query = parseSearchQuery((args.query as string | null | undefined) ?? "");
    return count(records.filter((record) => matchesSearch(record, query, fields, freeText)).length, args);
  };
  const bulkOperationSearch: SearchFields<BulkOperationRecord> = {
    id: { get: (o) => o.id },
    status: { get: (o) => o.status },
    operation_type: { get: (o) => o.type },
    created_at: { get: (o) => o.createdAt },
  };

  return {
    ...orderViews.queryFields,
    shop: shopView,
    node: (args: Args) => nodeView(args.id as string),
    nodes: (args: Args) => (args.ids as string[]).map(nodeView),
    location: (args: Args) => {
      // Without an id Shopify answers the shop's primary location.
      const id = args.id == null ? primaryLocationId : idOfType(args.id as string, "Location");
      const location = id === undefined ? undefined : shop.locations.get(id);
      return location ? locationView(location) : null;
    },
    locations: (args: Args, _context: ResolverContext, info: GraphQLResolveInfo) =>
      connection(locations(args), args, context, info, {
        typeName: "Location",
        view: locationView,
        sortKeys: { ID: (l) => l.id, NAME: (l) => l.name },
        defaultSortKey: "NAME",
        search: { fields: locationSearch, freeText: ["name"] },
      }),
    locationsCount: (args: Args) => countMatching(locations(args), args, locationSearch, ["name"]),
    product: (args: Args) => typedNode(args.id as string, "Product"),
    products: (args: Args, _context: ResolverContext, info: GraphQLResolveInfo) =>
      connection(products(), args, context, info, {
        typeName: "Product",
        view: productView,
        sortKeys: {
          ID: (p) => p.id,
          TITLE: (p) => p.title,
          CREATED_AT: (p) => p.createdAt.getTime(),
          UPDATED_AT: (p) => p.updatedAt.getTime(),
          PRODUCT_TYPE: (p) => p.productType,
          VENDOR: (p) => p.vendor,
        },
        search: { fields: productSearch, freeText: ["title", "sku", "barcode", "vendor", "product_type"] },
      }),
    productsCount: (args: Args) => countMatching(products(), args, productSearch, ["title", "sku", "barcode"]),
    productVariant: (args: Args) => typedNode(args.id as string, "ProductVariant"),
    productVariants: (args: Args, _context: ResolverContext, info: GraphQLResolveInfo) => connection(variants(), args, context, info, variantConnection),
    productVariantsCount: (args: Args) => countMatching(variants(), args, variantSearch, ["title", "sku", "barcode"]),
    inventoryItem: (args: Args) => typedNode(args.id as string, "InventoryItem"),
    inventoryItems: (args: Args, _context: ResolverContext, info: GraphQLResolveInfo) =>
      connection(items(), args, context, info, {
        typeName: "InventoryItem",
        view: itemView,
        sortKeys: { ID: (i) => i.id },
        search: { fields: itemSearch, freeText: ["sku"] },
      }),
    inventoryLevel: (args: Args) => typedNode(args.id as string, "InventoryLevel"),
    bulkOperation: (args: Args) => typedNode(args.id as string, "BulkOperation"),
    bulkOperations: (args: Args, _context: ResolverContext, info: GraphQLResolveInfo) =>
      connection(bulkOperations(), args, context, info, {
        typeName: "BulkOperation",
        view: bulkOperationView,
        sortKeys: { CREATED_AT: (o) => o.createdAt.getTime(), COMPLETED_AT: (o) => o.completedAt?.getTime() ?? 0 },
        defaultSortKey: "CREATED_AT",
        search: { fields: bulkOperationSearch, freeText: [] },
      }),
    // Deprecated by Shopify in favour of bulkOperations, still answered: the app's latest operation of the type.
    currentBulkOperation: (args: Args) => {
      const type = (args.type as string | null | undefined) ?? "QUERY";
      const latest = bulkOperations().filter((operation) => operation.type === type).at(-1);
      return latest ? bulkOperationView(latest) : null;
    },
  };
}
