import type { Money } from "./catalog";
import { newSquareId } from "./ids";
import { formatQuantity, type Quantity } from "./quantity";

/**
 * One seller's Square inventory: a count per (catalog object, location, state), moved by physical counts (absolute)
 * and adjustments (relative, from one state and location to another), as Square's Inventory API does
 * (square-qbo.md §3 "Inventory", /docs/inventory-api/how-it-works):
 *  - Square tracks a count by adding up every adjustment since the last physical count, ordered by the client's
 *    `occurred_at`, not by arrival: an adjustment that happened before the last physical count does not change the
 *    count (it is only history), and a physical count older than the last one changes nothing;
 *  - SOLD, NONE and UNLINKED_RETURN are not counted (BatchRetrieveInventoryCounts ignores them): moving stock to
 *    SOLD takes it out of IN_STOCK and it is gone; moving it from NONE brings new stock in;
 *  - counts may go negative (Square sells what it does not have).
 * Every change is kept for BatchRetrieveInventoryChanges (the newest 100,000 per seller).
 */

export const INVENTORY_STATES = [
  "CUSTOM",
  "IN_STOCK",
  "SOLD",
  "RETURNED_BY_CUSTOMER",
  "RESERVED_FOR_SALE",
  "SOLD_ONLINE",
  "ORDERED_FROM_VENDOR",
  "RECEIVED_FROM_VENDOR",
  "IN_TRANSIT_TO",
  "NONE",
  "WASTE",
  "UNLINKED_RETURN",
  "COMPOSED",
  "DECOMPOSED",
  "SUPPORTED_BY_NEWER_VERSION",
  "IN_TRANSIT",
  "UNTRACKED",
] as const;
export type InventoryState = (typeof INVENTORY_STATES)[number];

/** States the Inventory API may move quantities from and to; Square's docs mark the others READ-ONLY (assumed for
 * COMPOSED, DECOMPOSED, IN_TRANSIT and UNTRACKED, which its enum lists without saying). */
export const ADJUSTABLE_STATES: readonly InventoryState[] = ["IN_STOCK", "SOLD", "WASTE", "NONE", "UNLINKED_RETURN", "IN_TRANSIT"];
/** States a physical count may set (assumed: the counted, writable ones). */
export const COUNTABLE_STATES: readonly InventoryState[] = ["IN_STOCK", "WASTE"];
/** States Square keeps no count for. */
export const UNCOUNTED_STATES: readonly InventoryState[] = ["SOLD", "NONE", "UNLINKED_RETURN"];

export interface SourceApplication {
  product: "EXTERNAL_API" | "SQUARE_POS" | "DASHBOARD";
  application_id?: string;
  name?: string;
}

export interface CountRecord {
  catalogObjectId: string;
  locationId: string;
  state: InventoryState;
  quantity: Quantity;
  /** When the last change that moved this count was received. */
  calculatedAt: string;
  /** occurred_at (ms) of the physical count the quantity starts from; null: none yet, it starts from 0. */
  countedAt: number | null;
  /** Adjustments that occurred at or after that physical count, to recompute it when a newer count arrives. */
  since: { at: number; delta: Quantity }[];
}

export interface PhysicalCountInput {
  catalogObjectId: string;
  locationId: string;
  state: InventoryState;
  quantity: Quantity;
  occurredAt: string;
  referenceId?: string;
  source: SourceApplication;
}

export interface AdjustmentInput {
  catalogObjectId: string;
  fromState: InventoryState;
  toState: InventoryState;
  fromLocationId: string;
  toLocationId: string;
  quantity: Quantity;
  occurredAt: string;
  referenceId?: string;
  totalPriceMoney?: Money;
  /** The order (transaction) or refund behind a sale or a return at the register. */
  transactionId?: string;
  refundId?: string;
  source: SourceApplication;
}

/** An InventoryChange in the wire form (snake_case), with what BatchRetrieveInventoryChanges filters on. */
export interface ChangeRecord {
  wire: { type: "PHYSICAL_COUNT" | "ADJUSTMENT"; physical_count?: Record<string, unknown>; adjustment?: Record<string, unknown> };
  id: string;
  catalogObjectId: string;
  locationIds: string[];
  states: InventoryState[];
  createdAt: string;
  occurredAt: number;
}

const MAX_CHANGES = 100_000;
/** Adjustments remembered per count since its last physical count. */
const MAX_SINCE = 5_000;

const key = (catalogObjectId: string, locationId: string, state: string) => `${catalogObjectId} ${locationId} ${state}`;

export function countWire(count: CountRecord) {
  return {
    catalog_object_id: count.catalogObjectId,
    catalog_object_type: "ITEM_VARIATION",
    state: count.state,
    location_id: count.locationId,
    quantity: formatQuantity(count.quantity),
    calculated_at: count.calculatedAt,
  };
}

export class InventoryStore {
  private readonly counts = new Map<string, CountRecord>();
  private changes: ChangeRecord[] = [];

  count(catalogObjectId: string, locationId: string, state: InventoryState): CountRecord | undefined {
    return this.counts.get(key(catalogObjectId, locationId, state));
  }

  allCounts(): IterableIterator<CountRecord> {
    return this.counts.values();
  }

  changeLog(): readonly ChangeRecord[] {
    return this.changes;
  }

  clear(): void {
    this.counts.clear();
    this.changes = [];
  }

  /** Whether a physical count would leave the count as it is (ignore_unchanged_counts): the same quantity as now. */
  isUnchanged(input: Pick<PhysicalCountInput, "catalogObjectId" | "locationId" | "state" | "quantity">): boolean {
    const count = this.count(input.catalogObjectId, input.locationId, input.state);
    return (count?.quantity ?? 0n) === input.quantity;
  }

  /** Records a physical count received at `now`; the counts it changed. */
  physicalCount(input: PhysicalCountInput, now: string): { change: ChangeRecord; touched: CountRecord[] } {
    const at = Date.parse(input.occurredAt);
    const count = this.countFor(input.catalogObjectId, input.locationId, input.state, now);
    const touched: CountRecord[] = [];
    if (count.countedAt === null || at >= count.countedAt) {
      count.countedAt = at;
      count.since = count.since.filter((entry) => entry.at >= at);
      count.quantity = count.since.reduce((sum, entry) => sum + entry.delta, input.quantity);
      count.calculatedAt = now;
      touched.push(count);
    }
    const id = newSquareId();
    const change = this.log({
      wire: {
        type: "PHYSICAL_COUNT",
        physical_count: {
          id,
          ...(input.referenceId !== undefined && { reference_id: input.referenceId }),
          catalog_object_id: input.catalogObjectId,
          catalog_object_type: "ITEM_VARIATION",
          state: input.state,
          location_id: input.locationId,
          quantity: formatQuantity(input.quantity),
          source: input.source,
          occurred_at: input.occurredAt,
          created_at: now,
        },
      },
      id,
      catalogObjectId: input.catalogObjectId,
      locationIds: [input.locationId],
      states: [input.state],
      createdAt: now,
      occurredAt: at,
    });
    return { change, touched };
  }

  /** Records an adjustment received at `now`: the quantity leaves (from state, from location) and arrives at (to
   * state, to location), for the states Square counts; the counts it changed. */
  adjust(input: AdjustmentInput, now: string): { change: ChangeRecord; touched: CountRecord[] } {
    const at = Date.parse(input.occurredAt);
    const touched: CountRecord[] = [];
    const move = (locationId: string, state: InventoryState, delta: Quantity) => {
      if (UNCOUNTED_STATES.includes(state)) return;
      const count = this.countFor(input.catalogObjectId, locationId, state, now);
      // An adjustment older than the last physical count is already part of that count.
      if (count.countedAt !== null && at < count.countedAt) return;
      count.quantity += delta;
      count.calculatedAt = now;
      count.since.push({ at, delta });
      if (count.since.length > MAX_SINCE) count.since.shift();
      touched.push(count);
    };
    move(input.fromLocationId, input.fromState, -input.quantity);
    move(input.toLocationId, input.toState, input.quantity);
    const id = newSquareId();
    const change = this.log({
      wire: {
        type: "ADJUSTMENT",
        adjustment: {
          id,
          ...(input.referenceId !== undefined && { reference_id: input.referenceId }),
          from_state: input.fromState,
          to_state: input.toState,
          from_location_id: input.fromLocationId,
          to_location_id: input.toLocationId,
          catalog_object_id: input.catalogObjectId,
          catalog_object_type: "ITEM_VARIATION",
          quantity: formatQuantity(input.quantity),
          ...(input.totalPriceMoney && { total_price_money: input.totalPriceMoney }),
          ...(input.transactionId !== undefined && { transaction_id: input.transactionId }),
          ...(input.refundId !== undefined && { refund_id: input.refundId }),
          occurred_at: input.occurredAt,
          created_at: now,
          source: input.source,
        },
      },
      id,
      catalogObjectId: input.catalogObjectId,
      locationIds: [...new Set([input.fromLocationId, input.toLocationId])],
      states: [...new Set([input.fromState, input.toState])],
      createdAt: now,
      occurredAt: at,
    });
    return { change, touched };
  }

  /** Sets a count without a change record (seeding). */
  seed(catalogObjectId: string, locationId: string, quantity: Quantity, at: string): void {
    const count = this.countFor(catalogObjectId, locationId, "IN_STOCK", at);
    Object.assign(count, { quantity, calculatedAt: at, countedAt: Date.parse(at), since: [] });
  }

  private countFor(catalogObjectId: string, locationId: string, state: InventoryState, now: string): CountRecord {
    const id = key(catalogObjectId, locationId, state);
    let count = this.counts.get(id);
    if (!count) {
      count = { catalogObjectId, locationId, state, quantity: 0n, calculatedAt: now, countedAt: null, since: [] };
      this.counts.set(id, count);
    }
    return count;
  }

  private log(change: ChangeRecord): ChangeRecord {
    this.changes.push(change);
    if (this.changes.length > MAX_CHANGES) this.changes = this.changes.slice(-MAX_CHANGES);
    return change;
  }
}
