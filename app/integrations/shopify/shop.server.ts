import { z } from "zod";

/** The parts of the Admin API's `shop` the app shows. Validated: a vendor response is a boundary. */
export const SHOP_OVERVIEW_QUERY = `#graphql
  query TillbridgeShopOverview {
    shop {
      name
      myshopifyDomain
      currencyCode
      ianaTimezone
      plan {
        displayName
      }
    }
  }`;

const shopOverviewResponse = z.object({
  data: z.object({
    shop: z.object({
      name: z.string(),
      myshopifyDomain: z.string(),
      currencyCode: z.string(),
      ianaTimezone: z.string(),
      plan: z.object({ displayName: z.string() }).nullable(),
    }),
  }),
});

export type ShopOverview = z.output<typeof shopOverviewResponse>["data"]["shop"];

type GraphqlClient = (query: string) => Promise<Response>;

export async function readShopOverview(graphql: GraphqlClient): Promise<ShopOverview> {
  const response = await graphql(SHOP_OVERVIEW_QUERY);
  return shopOverviewResponse.parse(await response.json()).data.shop;
}
