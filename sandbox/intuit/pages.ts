import type { DocumentList } from "./accounting/control";
import type { CompanyRecord } from "./companies";
import type { ConsentRequest } from "./core";
import { escapeHtml } from "./http";

/** The sandbox's HTML: Intuit's consent page (company picker, Connect / Cancel as plain forms) and the index. */

const STYLE = `body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1a1a1a}
h1{font-size:1.4rem}fieldset{border:1px solid #ccc;border-radius:6px;padding:1rem}label{display:block;margin:.4rem 0}
button{font-size:1rem;padding:.5rem 1.2rem;margin:1rem .5rem 0 0}.note{color:#555;font-size:.9rem}
table{border-collapse:collapse}td,th{text-align:left;padding:.3rem .8rem .3rem 0}td.amount{text-align:right}
.wide{max-width:56rem}`;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`;
}

const SCOPE_LABELS: Record<string, string> = {
  "com.intuit.quickbooks.accounting": "Accounting data: read and write",
  "com.intuit.quickbooks.payment": "Payments",
  openid: "Sign you in",
  profile: "Your name",
  email: "Your email address",
  phone: "Your phone number",
  address: "Your address",
};

export function consentPage(consent: ConsentRequest, companies: CompanyRecord[], appName: string): string {
  const choices = companies
    .map(
      (company, index) =>
        `<label><input type="radio" name="realmId" value="${escapeHtml(company.realmId)}"${index === 0 ? " checked" : ""}> ${escapeHtml(company.name)} <span class="note">(realm ${escapeHtml(company.realmId)})</span></label>`,
    )
    .join("");
  const scopes = consent.scopes.map((scope) => `<li>${escapeHtml(SCOPE_LABELS[scope] ?? scope)}</li>`).join("");
  return page(
    "Connect to QuickBooks",
    `<h1>${escapeHtml(appName)} wants to connect to your QuickBooks company</h1>
<p>It will be able to use:</p><ul>${scopes}</ul>
<form method="post" action="/connect/oauth2/consent">
<input type="hidden" name="consent" value="${escapeHtml(consent.id)}">
<fieldset><legend>Company</legend>${choices}</fieldset>
<button type="submit" name="action" value="connect">Connect</button>
<button type="submit" name="action" value="cancel">Cancel</button>
</form>
<p class="note">Tillbridge Intuit sandbox: no data leaves this machine.</p>`,
  );
}

export function errorPage(title: string, detail: string): string {
  return page(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(detail)}</p>`);
}

export function indexPage(companies: CompanyRecord[]): string {
  const rows = companies
    .map((company) => `<tr><td><a href="/app/${escapeHtml(company.realmId)}">${escapeHtml(company.name)}</a></td><td><code>${escapeHtml(company.realmId)}</code></td></tr>`)
    .join("");
  return page(
    "Tillbridge Intuit sandbox",
    `<h1>Tillbridge Intuit sandbox</h1>
<p>A local Intuit OAuth server and QuickBooks Online API. Connect from the app; the control API is under <code>/_sandbox</code>.</p>
<table><thead><tr><th>Company</th><th>Realm id</th></tr></thead><tbody>${rows}</tbody></table>`,
  );
}

function formatCents(cents: number): string {
  const sign = cents < 0 ? "-" : "";
  const absolute = Math.abs(cents);
  return `${sign}${Math.trunc(absolute / 100).toLocaleString("en-US")}.${String(absolute % 100).padStart(2, "0")}`;
}

function documentTable(title: string, list: DocumentList): string {
  if (list.count === 0) return `<h2>${escapeHtml(title)}</h2><p class="note">None yet.</p>`;
  const rows = list.documents
    .map(
      (document) =>
        `<tr><td>${escapeHtml(document.docNumber ?? "")}</td><td>${escapeHtml(document.txnDate)}</td><td>${escapeHtml(document.customer ?? "")}</td>` +
        `<td class="amount">${formatCents(document.totalCents)}</td><td>${escapeHtml(document.currency)}</td><td>${document.voided ? "Voided" : ""}</td></tr>`,
    )
    .join("");
  return `<h2>${escapeHtml(title)} (${list.count})</h2>
<table><thead><tr><th>No.</th><th>Date</th><th>Customer</th><th>Total</th><th>Currency</th><th></th></tr></thead><tbody>${rows}</tbody>
<tfoot><tr><th colspan="3">Total</th><th class="amount">${formatCents(list.totalCents)}</th><th colspan="2"></th></tr></tfoot></table>`;
}

/** A company's sales and refund receipts, as a merchant would look them up in QuickBooks after the app posted them. */
export function receiptsPage(company: CompanyRecord, salesReceipts: DocumentList, refundReceipts: DocumentList): string {
  return page(
    `${company.name}: receipts`,
    `<div class="wide"><h1>${escapeHtml(company.name)}</h1>
<p class="note">Realm ${escapeHtml(company.realmId)} · the documents in the Tillbridge QuickBooks sandbox, newest last. <a href="/">All companies</a></p>
${documentTable("Sales receipts", salesReceipts)}
${documentTable("Refund receipts", refundReceipts)}</div>`,
  );
}
