import type { SandboxCore } from "./core";
import { html, page } from "./html";
import { maskToken, tokenState } from "./tokens";

function variationCount(core: SandboxCore, merchantId: string): number {
  let count = 0;
  for (const record of core.storesOf(merchantId).catalog.all()) if (record.type === "ITEM_VARIATION" && !record.is_deleted) count++;
  return count;
}

/** GET /: the sellers with their locations, catalog size and the tokens issued for them (masked), for a person looking around. */
export function indexPage(core: SandboxCore): string {
  const tokens = core.tokens.accessTokenList().slice(0, 50);
  const authorizeUrl = `/oauth2/authorize?client_id=${encodeURIComponent(core.settings.applicationId)}&scope=MERCHANT_PROFILE_READ&session=false`;
  return page(
    "Tillbridge Square sandbox",
    html`<h1>Tillbridge Square sandbox</h1>
      <p class="muted">Application <code>${core.settings.applicationId}</code> · redirect <code>${core.settings.redirectUrl}</code> ·
        webhooks to <code>${core.settings.webhookUrl}</code> · <a href="${authorizeUrl}">authorize page</a></p>
      <h2>Sellers</h2>
      <table><tr><th>Merchant</th><th>Business</th><th>Locations</th><th>Catalog</th><th>Authorized</th></tr>
        ${[...core.sellers.values()].map(
          (seller) => html`<tr><td><code>${seller.id}</code></td><td>${seller.businessName} · <a href="/register/${seller.id}">register</a></td>
            <td>${seller.locations.map((location) => html`${location.name} <code>${location.id}</code> (${location.timezone})<br>`)}</td>
            <td>${variationCount(core, seller.id)} variations</td>
            <td>${core.tokens.hasLiveAuthorization(seller.id) ? "yes" : "no"}</td></tr>`,
        )}</table>
      <h2>Access tokens (newest ${tokens.length})</h2>
      <table><tr><th>Token</th><th>Merchant</th><th>Expires</th><th>State</th></tr>
        ${tokens.map(
          (record) => html`<tr><td><code>${maskToken(record.token)}</code></td><td>${record.merchantId}</td>
            <td>${new Date(record.expiresAt).toISOString()}</td>
            <td>${tokenState(record)}</td></tr>`,
        )}</table>`,
  );
}
