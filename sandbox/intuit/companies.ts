/**
 * The QuickBooks companies (realms) a merchant can connect, and their CompanyInfo entity. Field names, nesting and
 * order follow `CompanyInfo` in Finance.xsd (with IntuitEntity's Id, SyncToken, MetaData and its `domain` and
 * `sparse` attributes, and PhysicalAddress, EmailAddress, WebSiteAddress, TelephoneNumber from IntuitBaseTypes.xsd).
 */

export type SeedKind = "demo" | "empty";

export interface Address {
  Line1: string;
  City: string;
  CountrySubDivisionCode: string;
  PostalCode: string;
  Country: string;
}

export interface CompanyRecord {
  realmId: string;
  name: string;
  legalName: string;
  address?: Address;
  email?: string;
  phone?: string;
  website?: string;
  startDate: string;
  fiscalYearStartMonth: string;
  country: string;
  createdAt: string;
  /** The user who authorizes the connection (userinfo's subject). */
  adminEmail: string;
  /** Multicurrency turned on (home currency USD): the accounting API takes foreign-currency transactions. */
  multiCurrency?: boolean;
}

/** Fixed so ids and timestamps are the same on every run. */
const CREATED_AT = "2026-01-05T09:00:00-08:00";

export const DEMO_REALM_ID = "9341453021580001";
export const SECOND_DEMO_REALM_ID = "9341453021580002";

const DEMO_COMPANIES: CompanyRecord[] = [
  {
    realmId: DEMO_REALM_ID,
    name: "Tillbridge Demo Coffee Co.",
    legalName: "Tillbridge Demo Coffee Company LLC",
    address: { Line1: "123 Main Street", City: "Portland", CountrySubDivisionCode: "OR", PostalCode: "97204", Country: "US" },
    email: "books@demo-coffee.example",
    phone: "(503) 555-0142",
    website: "https://demo-coffee.example",
    startDate: "2026-01-01",
    fiscalYearStartMonth: "January",
    country: "US",
    createdAt: CREATED_AT,
    adminEmail: "owner@demo-coffee.example",
  },
  {
    realmId: SECOND_DEMO_REALM_ID,
    name: "Harbor Street Outfitters",
    legalName: "Harbor Street Outfitters Inc.",
    address: { Line1: "48 Harbor Street", City: "Boston", CountrySubDivisionCode: "MA", PostalCode: "02110", Country: "US" },
    email: "accounts@harbor-outfitters.example",
    phone: "(617) 555-0199",
    startDate: "2025-07-01",
    fiscalYearStartMonth: "July",
    country: "US",
    createdAt: CREATED_AT,
    adminEmail: "owner@harbor-outfitters.example",
    multiCurrency: true,
  },
];

export function seedCompanies(kind: SeedKind): CompanyRecord[] {
  if (kind === "demo") return DEMO_COMPANIES.map((company) => ({ ...company }));
  return [newCompany(DEMO_REALM_ID, "Sandbox Company")];
}

/** A bare company: only what every QuickBooks company has. */
export function newCompany(realmId: string, name: string): CompanyRecord {
  return {
    realmId,
    name,
    legalName: name,
    startDate: CREATED_AT.slice(0, 10),
    fiscalYearStartMonth: "January",
    country: "US",
    createdAt: CREATED_AT,
    adminEmail: `admin-${realmId}@sandbox.example`,
  };
}

/** The CompanyInfo entity as QuickBooks returns it in JSON, in the XSD's element order so xml.ts can reuse it. */
export function companyInfo(company: CompanyRecord): Record<string, unknown> {
  const address = company.address && { Id: "1", ...company.address };
  return {
    domain: "QBO",
    sparse: false,
    Id: "1",
    SyncToken: "0",
    MetaData: { CreateTime: company.createdAt, LastUpdatedTime: company.createdAt },
    CompanyName: company.name,
    LegalName: company.legalName,
    ...(address && { CompanyAddr: address, CustomerCommunicationAddr: address, LegalAddr: address }),
    ...(company.email && { CustomerCommunicationEmailAddr: { Address: company.email } }),
    ...(company.phone && { PrimaryPhone: { FreeFormNumber: company.phone } }),
    CompanyStartDate: company.startDate,
    FiscalYearStartMonth: company.fiscalYearStartMonth,
    Country: company.country,
    ...(company.email && { Email: { Address: company.email } }),
    ...(company.website && { WebAddr: { URI: company.website } }),
  };
}
