/**
 * Answers a sandbox vendor's consent page the way a browser would: read the page, submit its form with the
 * hidden inputs, the chosen account and the pressed button, and return where the vendor redirects.
 */
export async function answerConsentPage(authorizeUrl: string, choice: { account?: { field: string; value: string }; button: { field: string; value: string } }): Promise<URL> {
  const pageResponse = await fetch(authorizeUrl);
  if (!pageResponse.ok) throw new Error(`consent page answered ${pageResponse.status}`);
  const page = await pageResponse.text();
  const action = /<form method="post" action="([^"]+)"/.exec(page)?.[1];
  if (!action) throw new Error("no form on the consent page");
  const form = new URLSearchParams();
  const decode = (value: string) => value.replace(/&#(\d+);/g, (_match, code: string) => String.fromCharCode(Number(code))).replace(/&amp;/g, "&");
  for (const match of page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) form.set(match[1]!, decode(match[2]!));
  if (choice.account) form.set(choice.account.field, choice.account.value);
  form.set(choice.button.field, choice.button.value);
  const response = await fetch(new URL(action, authorizeUrl), { method: "POST", body: form, redirect: "manual" });
  const location = response.headers.get("location");
  if (response.status !== 302 || !location) throw new Error(`consent form answered ${response.status}`);
  return new URL(location, authorizeUrl);
}
