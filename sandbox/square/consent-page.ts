import type { SandboxCore } from "./core";
import { html, page } from "./html";

/**
 * The page Square shows a seller at /oauth2/authorize: sign in (here: pick one of the sandbox sellers), see what the
 * app asks for, Allow or Deny. Both buttons submit a real form, so a test can drive it with plain HTTP.
 */

export interface AuthorizeRequest {
  clientId: string;
  scopes: string[];
  state: string | undefined;
  redirectUri: string | undefined;
}

export function consentPage(core: SandboxCore, request: AuthorizeRequest): string {
  const sellers = [...core.sellers.values()];
  return page(
    "Square: authorize Tillbridge",
    html`<h1>Tillbridge would like to access your Square account</h1>
      <form method="post" action="/oauth2/authorize">
        <input type="hidden" name="client_id" value="${request.clientId}">
        <input type="hidden" name="scope" value="${request.scopes.join(" ")}">
        ${request.state !== undefined ? html`<input type="hidden" name="state" value="${request.state}">` : ""}
        ${request.redirectUri !== undefined ? html`<input type="hidden" name="redirect_uri" value="${request.redirectUri}">` : ""}
        <h2>Signed in as</h2>
        ${sellers.map(
          (seller, index) =>
            html`<label class="seller"><input type="radio" name="merchant_id" value="${seller.id}" ${index === 0 ? html`checked` : ""}>
              ${seller.businessName} <span class="muted">(${seller.id}, ${seller.email})</span></label>`,
        )}
        <h2>This application will be able to</h2>
        <ul>${request.scopes.map((scope) => html`<li><code>${scope}</code></li>`)}</ul>
        <button class="primary" type="submit" name="decision" value="approve">Allow</button>
        <button type="submit" name="decision" value="deny">Deny</button>
      </form>`,
  );
}

export function errorPage(message: string): string {
  return page("Square: authorization error", html`<h1>This application cannot be authorized</h1><p>${message}</p>`);
}
