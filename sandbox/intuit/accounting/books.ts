import { clone, type EntityName, type Json } from "./schema";

/**
 * One company's books: its entities (as QuickBooks answers them), deleted ones kept as tombstones for
 * ChangeDataCapture, its preferences and exchange rates. Ids count up per entity type as in QuickBooks; every write
 * bumps SyncToken and MetaData.LastUpdatedTime (sandbox clock). Bounded, like the rest of the sandbox's state.
 */

export interface StoredRecord {
  id: string;
  body: Json;
  createdAt: number;
  updatedAt: number;
  voided: boolean;
}

export interface Tombstone {
  id: string;
  deletedAt: number;
}

export interface CompanyPreferences {
  /** TaxPrefs.PartnerTaxEnabled: QuickBooks computes US sales tax (AST). */
  automatedSalesTax: boolean;
  /** CurrencyPrefs.MultiCurrencyEnabled (QuickBooks cannot turn it off again). */
  multiCurrency: boolean;
  homeCurrency: string;
  /** SalesFormsPrefs.CustomTxnNumbers: when off, sales forms without DocNumber get the next number. */
  customTxnNumbers: boolean;
  /** The company's duplicate-number warnings: a DocNumber already used by the same transaction type answers 6140. */
  uniqueDocNumbers: boolean;
}

export interface ExchangeRateRecord {
  rate: number;
  asOfDate: string;
  updatedAt: number;
}

/** The sales tax QuickBooks' AST applies for the company's address: one agency, one rate, one combined code. */
export interface SalesTaxSetup {
  agencyId: string;
  rateIds: string[];
  codeId: string;
}

/** Entities kept per company, live and deleted: enough for any test, small enough for a long-running dev sandbox. */
export const MAX_RECORDS_PER_COMPANY = 50_000;

export class BooksFullError extends Error {}

export class Books {
  private readonly tables = new Map<EntityName, Map<string, StoredRecord>>();
  private readonly tombstones = new Map<EntityName, Map<string, Tombstone>>();
  private readonly nextIds = new Map<EntityName, number>();
  private size = 0;
  readonly exchangeRates = new Map<string, ExchangeRateRecord[]>();
  preferencesSyncToken = 0;
  preferencesUpdatedAt: number;

  constructor(
    readonly realmId: string,
    readonly preferences: CompanyPreferences,
    readonly salesTax: SalesTaxSetup,
    readonly createdAt: number,
    private readonly timestamp: (ms: number) => string,
  ) {
    this.preferencesUpdatedAt = createdAt;
  }

  /** Live records of the entity, in id order. */
  all(entity: EntityName): StoredRecord[] {
    return [...(this.tables.get(entity)?.values() ?? [])];
  }

  find(entity: EntityName, id: string): StoredRecord | undefined {
    return this.tables.get(entity)?.get(id);
  }

  wasDeleted(entity: EntityName, id: string): boolean {
    return this.tombstones.get(entity)?.has(id) ?? false;
  }

  /** Stores a new entity with the next id (or the given one, for seeds), SyncToken "0" and its MetaData. */
  insert(entity: EntityName, body: Json, now: number, id?: string): StoredRecord {
    if (this.size >= MAX_RECORDS_PER_COMPANY) throw new BooksFullError(`The sandbox keeps at most ${MAX_RECORDS_PER_COMPANY} entities per company`);
    const assigned = id ?? this.nextId(entity);
    const numeric = Number(assigned);
    if (Number.isInteger(numeric) && numeric >= (this.nextIds.get(entity) ?? 1)) this.nextIds.set(entity, numeric + 1);
    const time = this.timestamp(now);
    const record: StoredRecord = { id: assigned, body: { ...clone(body), Id: assigned, SyncToken: "0", MetaData: { CreateTime: time, LastUpdatedTime: time } }, createdAt: now, updatedAt: now, voided: false };
    this.table(entity).set(assigned, record);
    this.size++;
    return record;
  }

  /** Replaces a live entity's body: SyncToken + 1, LastUpdatedTime now, CreateTime kept. */
  replace(entity: EntityName, id: string, body: Json, now: number, voided?: boolean): StoredRecord {
    const current = this.find(entity, id);
    if (!current) throw new Error(`${entity} ${id} does not exist`);
    const createTime = (current.body.MetaData as Json | undefined)?.CreateTime;
    const record: StoredRecord = {
      id,
      body: { ...clone(body), Id: id, SyncToken: String(Number(current.body.SyncToken) + 1), MetaData: { CreateTime: createTime, LastUpdatedTime: this.timestamp(now) } },
      createdAt: current.createdAt,
      updatedAt: now,
      voided: voided ?? current.voided,
    };
    this.table(entity).set(id, record);
    return record;
  }

  remove(entity: EntityName, id: string, now: number): Tombstone {
    this.table(entity).delete(id);
    const tombstone = { id, deletedAt: now };
    let deleted = this.tombstones.get(entity);
    if (!deleted) this.tombstones.set(entity, (deleted = new Map()));
    deleted.set(id, tombstone);
    return tombstone;
  }

  /** What changed at or after `since` (ms): live records updated since, and deletions since. */
  changesSince(entity: EntityName, since: number): { records: StoredRecord[]; deleted: Tombstone[] } {
    return {
      records: this.all(entity).filter((record) => record.updatedAt >= since),
      deleted: [...(this.tombstones.get(entity)?.values() ?? [])].filter((tombstone) => tombstone.deletedAt >= since),
    };
  }

  /** The rate to the home currency on the date: the latest set on or before it, else the earliest known. */
  exchangeRate(currency: string, date: string): ExchangeRateRecord | undefined {
    const rates = this.exchangeRates.get(currency) ?? [];
    return [...rates].reverse().find((rate) => rate.asOfDate <= date) ?? rates[0];
  }

  setExchangeRate(currency: string, rate: number, asOfDate: string, now: number): ExchangeRateRecord {
    const rates = (this.exchangeRates.get(currency) ?? []).filter((existing) => existing.asOfDate !== asOfDate);
    const record = { rate, asOfDate, updatedAt: now };
    rates.push(record);
    rates.sort((a, b) => a.asOfDate.localeCompare(b.asOfDate));
    this.exchangeRates.set(currency, rates);
    return record;
  }

  private table(entity: EntityName): Map<string, StoredRecord> {
    let table = this.tables.get(entity);
    if (!table) this.tables.set(entity, (table = new Map()));
    return table;
  }

  private nextId(entity: EntityName): string {
    const id = this.nextIds.get(entity) ?? 1;
    this.nextIds.set(entity, id + 1);
    return String(id);
  }
}
