import { useFetcher } from "@remix-run/react";
import { Banner, BlockStack, Button, Card, InlineStack, Text, TextField } from "@shopify/polaris";
import { useAppBridge } from "@shopify/app-bridge-react";
import { useEffect, useState } from "react";

/**
 * The two halves of joining a Square-first account with a Shopify store: the Square merchant area shows a
 * one-time code, the embedded Shopify app takes it (app/models/tenant-linking.server.ts).
 */

export function ShowLinkCodeCard() {
  const fetcher = useFetcher<{ code?: string; expiresAt?: string }>();
  const code = fetcher.data?.code;
  return (
    <section aria-label="Link your Shopify store">
      <Card>
        <BlockStack gap="300">
          <Text as="h2" variant="headingMd">
            Link your Shopify store
          </Text>
          <Text as="p">
            Install Tillbridge in your Shopify admin from the Shopify App Store, then open its Connections page and enter a link code from here. Your Square
            connection, QuickBooks and history move into that account, and both places show the same data.
          </Text>
          {code && fetcher.data?.expiresAt && (
            <Banner tone="info" title="Your link code">
              <BlockStack gap="100">
                <Text as="p" variant="heading2xl" fontWeight="bold">
                  <span data-testid="link-code">{code}</span>
                </Text>
                <Text as="p">
                  It works once, until {fetcher.data.expiresAt.slice(11, 16)} UTC. Showing a new code cancels this one.
                </Text>
              </BlockStack>
            </Banner>
          )}
          <InlineStack>
            <Button loading={fetcher.state !== "idle"} onClick={() => fetcher.submit({ intent: "create-link-code" }, { method: "post" })}>
              {code ? "Show a new code" : "Show a link code"}
            </Button>
          </InlineStack>
        </BlockStack>
      </Card>
    </section>
  );
}

/** In the embedded app: once linked, the card gives way to the Square connection, and a toast says so. */
export function EnterLinkCodeCard() {
  const fetcher = useFetcher<{ ok?: boolean; message?: string }>();
  const [code, setCode] = useState("");
  const shopify = useAppBridge();
  useEffect(() => {
    if (fetcher.data?.ok && fetcher.data.message) shopify.toast.show(fetcher.data.message);
  }, [fetcher.data, shopify]);
  return (
    <section aria-label="Already use Tillbridge with Square?">
      <Card>
        <BlockStack gap="300">
          <Text as="h2" variant="headingMd">
            Already use Tillbridge with Square?
          </Text>
          <Text as="p">
            If you installed Tillbridge from the Square App Marketplace, sign in to its Square area, choose Show a link code, and enter the code here. Your
            Square connection, QuickBooks and history join this store&apos;s account.
          </Text>
          {fetcher.data?.message && (
            <Banner tone={fetcher.data.ok ? "success" : "critical"}>
              <p>{fetcher.data.message}</p>
            </Banner>
          )}
          <fetcher.Form method="post">
            <input type="hidden" name="intent" value="link" />
            <InlineStack gap="200" blockAlign="end">
              <TextField label="Link code" name="code" value={code} onChange={setCode} autoComplete="off" placeholder="ABCD-EF23" maxLength={20} />
              <Button submit variant="primary" loading={fetcher.state !== "idle"} disabled={code.trim().length === 0}>
                Link accounts
              </Button>
            </InlineStack>
          </fetcher.Form>
        </BlockStack>
      </Card>
    </section>
  );
}
