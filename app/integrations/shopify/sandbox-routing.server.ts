/**
 * In sandbox mode every request the Shopify library makes to `https://<shop>.myshopify.com/<path>` goes to the
 * local Shopify sandbox instead, at `<sandbox>/store/<shop>/<path>`. The library itself is unchanged: only its
 * fetch function is swapped (it forces https on shop URLs, so a plain base URL override is not possible).
 */
export function sandboxShopUrl(input: string, sandboxUrl: string): string {
  const url = new URL(input);
  if (url.protocol !== "https:" || !url.hostname.endsWith(".myshopify.com")) return input;
  return `${sandboxUrl}/store/${url.hostname}${url.pathname}${url.search}`;
}

type Fetch = typeof fetch;

export function sandboxFetch(sandboxUrl: string, baseFetch: Fetch = fetch): Fetch {
  return (input, init) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    return baseFetch(sandboxShopUrl(url, sandboxUrl), init);
  };
}
