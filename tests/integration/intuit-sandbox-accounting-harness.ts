import OAuthClient from "intuit-oauth";
import {
  SANDBOX_QUICKBOOKS_CLIENT_ID,
  SANDBOX_QUICKBOOKS_CLIENT_SECRET,
  SANDBOX_QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN,
  intuitOAuthEndpoints,
  startIntuitSandbox,
  type IntuitSandbox,
  type IntuitSandboxOptions,
} from "../../sandbox/intuit/index";
import { answerConsentPage } from "../support/consent-forms";
import { freePorts } from "../support/ports";
import { startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver";

/**
 * The Intuit sandbox for the accounting API tests: started on a free port, with a local receiver standing in for
 * the app's webhook route; companies are connected through the consent page with the real intuit-oauth (its
 * endpoint statics pointed at the sandbox, as the app does), and the API is called with plain fetch and JSON, as
 * the app's QuickBooks client does, so raw statuses and Fault bodies show.
 */

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- answers are read field by field in assertions

export interface ApiAnswer {
  status: number;
  body: Json;
}

export interface QuickBooksClient {
  realmId: string;
  accessToken: string;
  /** The connected intuit-oauth client (for makeApiCall). */
  oauth: OAuthClient;
  /** GET /v3/company/:realm/<path>, with minorversion=75 and the given query parameters. */
  get(path: string, query?: Record<string, string>): Promise<ApiAnswer>;
  /** POST a JSON body to /v3/company/:realm/<path>. */
  post(path: string, body: unknown, query?: Record<string, string>): Promise<ApiAnswer>;
  /** GET /query?query=... */
  query(text: string, query?: Record<string, string>): Promise<ApiAnswer>;
}

export interface AccountingHarness {
  sandbox: IntuitSandbox;
  receiver: WebhookReceiver;
  connect(realmId: string): Promise<QuickBooksClient>;
  close(): Promise<void>;
}

const originalStatics = {
  authorizeEndpoint: OAuthClient.authorizeEndpoint,
  tokenEndpoint: OAuthClient.tokenEndpoint,
  revokeEndpoint: OAuthClient.revokeEndpoint,
  userinfo: OAuthClient.userinfo_endpoint_sandbox,
  apiBase: OAuthClient.environment.sandbox,
};

export async function startAccountingHarness(options: Partial<IntuitSandboxOptions> = {}): Promise<AccountingHarness> {
  const receiver = await startWebhookReceiver();
  const sandbox = await startIntuitSandbox({
    port: await freePorts(),
    appUrl: receiver.url,
    clientId: SANDBOX_QUICKBOOKS_CLIENT_ID,
    clientSecret: SANDBOX_QUICKBOOKS_CLIENT_SECRET,
    webhookVerifierToken: SANDBOX_QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN,
    ...options,
  });
  const endpoints = intuitOAuthEndpoints(sandbox.url);
  OAuthClient.authorizeEndpoint = endpoints.authorizeEndpoint;
  OAuthClient.tokenEndpoint = endpoints.tokenEndpoint;
  OAuthClient.revokeEndpoint = endpoints.revokeEndpoint;
  OAuthClient.userinfo_endpoint_sandbox = endpoints.userInfoEndpoint;
  OAuthClient.environment.sandbox = endpoints.apiBaseUrl;

  const connect = async (realmId: string): Promise<QuickBooksClient> => {
    const oauth = new OAuthClient({
      clientId: SANDBOX_QUICKBOOKS_CLIENT_ID,
      clientSecret: SANDBOX_QUICKBOOKS_CLIENT_SECRET,
      environment: "sandbox",
      redirectUri: `${receiver.url}/auth/quickbooks/callback`,
      logging: false,
    });
    const callback = await answerConsentPage(oauth.authorizeUri({ scope: [OAuthClient.scopes.Accounting], state: "accounting" }), {
      account: { field: "realmId", value: realmId },
      button: { field: "action", value: "connect" },
    });
    await oauth.createToken(callback.toString());
    const accessToken = oauth.getToken().access_token;
    const call = async (method: "GET" | "POST", path: string, body: unknown, query: Record<string, string>): Promise<ApiAnswer> => {
      const url = new URL(`${sandbox.url}/v3/company/${realmId}/${path}`);
      url.searchParams.set("minorversion", "75");
      for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
      const response = await fetch(url, {
        method,
        headers: { Authorization: `Bearer ${accessToken}`, Accept: "application/json", ...(body !== undefined && { "Content-Type": "application/json" }) },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: (await response.json()) as Json };
    };
    return {
      realmId,
      accessToken,
      oauth,
      get: (path, query = {}) => call("GET", path, undefined, query),
      post: (path, body, query = {}) => call("POST", path, body, query),
      query: (text, query = {}) => call("GET", "query", undefined, { query: text, ...query }),
    };
  };

  return {
    sandbox,
    receiver,
    connect,
    close: async () => {
      OAuthClient.authorizeEndpoint = originalStatics.authorizeEndpoint;
      OAuthClient.tokenEndpoint = originalStatics.tokenEndpoint;
      OAuthClient.revokeEndpoint = originalStatics.revokeEndpoint;
      OAuthClient.userinfo_endpoint_sandbox = originalStatics.userinfo;
      OAuthClient.environment.sandbox = originalStatics.apiBase;
      await sandbox.close();
      await receiver.close();
    },
  };
}

/** The first error of a Fault answer. */
export function faultOf(answer: ApiAnswer): { type: string; code: string; Message: string; Detail: string; element?: string } {
  const fault = answer.body.Fault;
  if (!fault) throw new Error(`expected a Fault, got ${answer.status} ${JSON.stringify(answer.body).slice(0, 500)}`);
  return { type: fault.type, ...fault.Error[0] };
}

/** A SalesReceipt payload selling the seeded "Services" item. */
export function salesReceipt(lines: { amount?: number; qty?: number; unitPrice?: number; taxCode?: string }[], extra: Json = {}): Json {
  return {
    Line: lines.map((line) => ({
      DetailType: "SalesItemLineDetail",
      ...(line.amount !== undefined && { Amount: line.amount }),
      SalesItemLineDetail: {
        ItemRef: { value: "1" },
        ...(line.qty !== undefined && { Qty: line.qty }),
        ...(line.unitPrice !== undefined && { UnitPrice: line.unitPrice }),
        ...(line.taxCode !== undefined && { TaxCodeRef: { value: line.taxCode } }),
      },
    })),
    ...extra,
  };
}
