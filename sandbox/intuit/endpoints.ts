/**
 * Where intuit-oauth must send its requests to reach the sandbox. The library keeps its endpoints in static
 * properties of OAuthClient, shared by every client in the process, so assign them once at start-up:
 *
 *   const endpoints = intuitOAuthEndpoints(sandbox.url);
 *   OAuthClient.authorizeEndpoint = endpoints.authorizeEndpoint;
 *   OAuthClient.tokenEndpoint = endpoints.tokenEndpoint;
 *   OAuthClient.revokeEndpoint = endpoints.revokeEndpoint;
 *   OAuthClient.userinfo_endpoint_sandbox = endpoints.userInfoEndpoint;   // or _production
 *   OAuthClient.environment.sandbox = endpoints.apiBaseUrl;               // or .production
 *
 * (`client.setAuthorizeURLs(endpoints)` writes the first four statics the same way; the API base has no setter.)
 */
export interface IntuitOAuthEndpoints {
  authorizeEndpoint: string;
  tokenEndpoint: string;
  revokeEndpoint: string;
  userInfoEndpoint: string;
  /** Ends with "/": the library appends relative API paths such as "v3/company/<realmId>/companyinfo/<realmId>". */
  apiBaseUrl: string;
}

export function intuitOAuthEndpoints(sandboxUrl: string): IntuitOAuthEndpoints {
  const base = sandboxUrl.replace(/\/+$/, "");
  return {
    authorizeEndpoint: `${base}/connect/oauth2`,
    tokenEndpoint: `${base}/oauth2/v1/tokens/bearer`,
    revokeEndpoint: `${base}/oauth2/v1/tokens/revoke`,
    userInfoEndpoint: `${base}/v1/openid_connect/userinfo`,
    apiBaseUrl: `${base}/`,
  };
}
