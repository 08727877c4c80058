/**
 * The sellers a merchant can pick on the consent page. Ids look like Square's (13 upper-case characters, locations
 * starting with "L") and are the same on every run, so fixtures and logs stay comparable.
 */

export type SeedKind = "demo" | "empty";

export interface SquareAddress {
  address_line_1: string;
  locality: string;
  administrative_district_level_1: string;
  postal_code: string;
  country: string;
}

export interface LocationRecord {
  id: string;
  name: string;
  address: SquareAddress;
  timezone: string;
  phoneNumber: string;
  createdAt: string;
  type: "PHYSICAL" | "MOBILE";
  mcc: string;
  /**
   * The sales taxes the register adds to taxable items here (the seller's catalog taxes; the sandbox keeps them per
   * location rather than as CatalogTax objects). Combined local rates: Oregon has no sales tax; Chicago 10.25%,
   * Evanston 10%.
   */
  salesTaxes: { name: string; percentage: string }[];
}

export interface SellerRecord {
  id: string;
  businessName: string;
  country: string;
  languageCode: string;
  currency: string;
  email: string;
  createdAt: string;
  /** The first is the main location. */
  locations: LocationRecord[];
}

function demoSellers(): SellerRecord[] {
  return [
    {
      id: "MLTB0DEMO0001",
      businessName: "Tillbridge Coffee Roasters",
      country: "US",
      languageCode: "en-US",
      currency: "USD",
      email: "owner@coffee.tillbridge.example",
      createdAt: "2024-03-04T15:00:00.000Z",
      locations: [
        {
          id: "LTB0COFFEE001",
          name: "Roastery Cafe",
          address: { address_line_1: "120 Main Street", locality: "Portland", administrative_district_level_1: "OR", postal_code: "97204", country: "US" },
          timezone: "America/Los_Angeles",
          phoneNumber: "+1 503-555-0142",
          createdAt: "2024-03-04T15:00:00.000Z",
          type: "PHYSICAL",
          mcc: "5814",
          salesTaxes: [],
        },
        {
          id: "LTB0COFFEE002",
          name: "Farmers Market Cart",
          address: { address_line_1: "SW Park Ave & Montgomery St", locality: "Portland", administrative_district_level_1: "OR", postal_code: "97201", country: "US" },
          timezone: "America/Los_Angeles",
          phoneNumber: "+1 503-555-0143",
          createdAt: "2024-05-18T16:30:00.000Z",
          type: "MOBILE",
          mcc: "5814",
          salesTaxes: [],
        },
      ],
    },
    {
      id: "MLTB0DEMO0002",
      businessName: "Tillbridge Books & Games",
      country: "US",
      languageCode: "en-US",
      currency: "USD",
      email: "owner@books.tillbridge.example",
      createdAt: "2023-11-20T14:00:00.000Z",
      locations: [
        {
          id: "LTB0BOOKS0001",
          name: "Downtown Store",
          address: { address_line_1: "45 Elm Street", locality: "Chicago", administrative_district_level_1: "IL", postal_code: "60610", country: "US" },
          timezone: "America/Chicago",
          phoneNumber: "+1 312-555-0190",
          createdAt: "2023-11-20T14:00:00.000Z",
          type: "PHYSICAL",
          mcc: "5942",
          salesTaxes: [{ name: "Chicago Sales Tax", percentage: "10.25" }],
        },
        {
          id: "LTB0BOOKS0002",
          name: "Evanston Store",
          address: { address_line_1: "800 Davis Street", locality: "Evanston", administrative_district_level_1: "IL", postal_code: "60201", country: "US" },
          timezone: "America/Chicago",
          phoneNumber: "+1 847-555-0191",
          createdAt: "2025-02-01T15:00:00.000Z",
          type: "PHYSICAL",
          mcc: "5942",
          salesTaxes: [{ name: "Evanston Sales Tax", percentage: "10" }],
        },
      ],
    },
  ];
}

/** "demo": two sellers with two locations each; "empty": the same sellers with their main location only. */
export function seedSellers(kind: SeedKind): Map<string, SellerRecord> {
  const sellers = demoSellers().map((seller) => (kind === "demo" ? seller : { ...seller, locations: seller.locations.slice(0, 1) }));
  return new Map(sellers.map((seller) => [seller.id, seller]));
}
