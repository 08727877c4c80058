import express, { type Router } from "express";
import { SandboxRequestError, type SandboxCore } from "./core";
import { html, page } from "./html";
import { catalogEntries, stockEntries } from "./pos";
import { quantityToNumber } from "./quantity";
import { refundAtRegister, sellOrder } from "./register";

/**
 * GET /register/:merchantId: the seller's register, for a person trying Tillbridge out (and browser tests): pick a
 * location and an item, sell some units, and watch the stock change in Shopify through the app. A sale here is the
 * same as an order through the control API: a COMPLETED order paid by card with the location's taxes, the units
 * moved IN_STOCK → SOLD, and Square's order, payment and inventory webhooks.
 */
export function registerRoutes(core: SandboxCore): Router {
  const router = express.Router();

  router.get("/register/:merchantId", (request, response) => {
    const seller = core.seller(request.params.merchantId ?? "");
    const locationId = typeof request.query.location === "string" ? request.query.location : seller.locations[0]!.id;
    const stock = new Map(stockEntries(core, seller.id, locationId).map((entry) => [entry.variationId, entry.inStock]));
    const message = typeof request.query.sold === "string" ? request.query.sold : null;
    const recentSales = [...core.storesOf(seller.id).sales.orders.values()]
      .filter((order) => order.locationId === locationId && order.priced && order.state === "COMPLETED")
      .slice(-RECENT_SALES_SHOWN)
      .reverse();
    response.type("html").send(
      page(
        `${seller.businessName}: register`,
        html`<h1>${seller.businessName}: register</h1>
          ${message ? html`<p role="status"><strong>${message}</strong></p>` : ""}
          <form method="get"><label>Location
            <select name="location" onchange="this.form.submit()">
              ${seller.locations.map((location) => html`<option value="${location.id}" ${location.id === locationId ? html`selected` : ""}>${location.name}</option>`)}
            </select></label> <button type="submit">Show</button></form>
          <table><tr><th>Item</th><th>SKU</th><th>In stock</th><th></th></tr>
            ${catalogEntries(core, seller.id).map(
              (entry) => html`<tr><td>${entry.itemName} · ${entry.variationName}</td><td>${entry.sku ?? ""}</td><td>${stock.get(entry.variationId) ?? "—"}</td>
                <td><form method="post" action="/register/${seller.id}/sell">
                  <input type="hidden" name="locationId" value="${locationId}"><input type="hidden" name="variationId" value="${entry.variationId}">
                  <button type="submit" aria-label="Sell one ${entry.sku ?? entry.variationName}">Sell 1</button></form></td></tr>`,
            )}</table>
          <h2>Recent sales</h2>
          ${recentSales.length === 0 ? html`<p class="muted">None yet at this location.</p>` : ""}
          <table>${recentSales.map(
            (order) => html`<tr><td><code>${order.id}</code></td><td>${order.closedAt ?? order.createdAt}</td><td>${order.returnOrderIds.length > 0 ? "refunded" : ""}</td>
              <td>${order.returnOrderIds.length > 0 ? "" : html`<form method="post" action="/register/${seller.id}/refund"><input type="hidden" name="orderId" value="${order.id}">
                <input type="hidden" name="locationId" value="${locationId}"><button type="submit" aria-label="Refund sale ${order.id}">Refund</button></form>`}</td></tr>`,
          )}</table>`,
      ),
    );
  });

  router.post("/register/:merchantId/sell", express.urlencoded({ extended: false, limit: "8kb" }), (request, response) => {
    const seller = core.seller(request.params.merchantId ?? "");
    const body = request.body as Record<string, unknown>;
    if (typeof body.locationId !== "string" || typeof body.variationId !== "string") throw new SandboxRequestError(400, "locationId and variationId are required.");
    const sale = sellOrder(core, seller.id, { locationId: body.locationId, lines: [{ variationId: body.variationId, quantity: 1 }] });
    const sku = catalogEntries(core, seller.id).find((entry) => entry.variationId === body.variationId)?.sku ?? body.variationId;
    const message = sale.sold ? `Sold 1 × ${sku}; ${sale.stock[0]?.inStock ?? "untracked"} left here.` : `Not enough ${sku} in stock.`;
    response.redirect(303, `/register/${seller.id}?location=${encodeURIComponent(body.locationId)}&sold=${encodeURIComponent(message)}`);
  });

  router.post("/register/:merchantId/refund", express.urlencoded({ extended: false, limit: "8kb" }), (request, response) => {
    const seller = core.seller(request.params.merchantId ?? "");
    const body = request.body as Record<string, unknown>;
    if (typeof body.orderId !== "string" || typeof body.locationId !== "string") throw new SandboxRequestError(400, "orderId and locationId are required.");
    const order = core.storesOf(seller.id).sales.orders.get(body.orderId);
    if (!order?.priced) throw new SandboxRequestError(404, `No sale ${body.orderId}.`);
    // Every line back: a whole refund, items returned to stock.
    refundAtRegister(core, seller.id, { orderId: order.id, lines: order.priced.lines.map((line) => ({ uid: line.input.uid, quantity: quantityToNumber(line.input.quantity) })) });
    const message = `Refunded sale ${order.id}.`;
    response.redirect(303, `/register/${seller.id}?location=${encodeURIComponent(body.locationId)}&sold=${encodeURIComponent(message)}`);
  });

  return router;
}

/** Sales listed under the register, newest first. */
const RECENT_SALES_SHOWN = 5;
