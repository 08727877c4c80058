import { useId, useState, type ReactNode } from "react";
import {
  AppProvider,
  Badge,
  BlockStack,
  Box,
  Button,
  Card,
  Collapsible,
  InlineGrid,
  InlineStack,
  List,
  Page,
  Text,
} from "@shopify/polaris";
import enTranslations from "@shopify/polaris/locales/en.json";

const capabilities = [
  {
    title: "Accounting",
    body: "Every Square and Shopify sale, refund and fee is posted to QuickBooks Online exactly once, with the exact tax that was charged.",
  },
  {
    title: "Inventory",
    body: "A stock change in Shopify or Square reaches the other channel in about a second. Regular reconciliation finds any drift and repairs it.",
  },
  {
    title: "Loyalty",
    body: "Customers earn and spend one points balance, whether they buy in store or online.",
  },
] as const;

const differences = [
  {
    title: "No duplicates",
    body: "Each sale, refund and fee lands in your books once, even when a vendor sends the same event twice or a delivery is retried.",
  },
  {
    title: "No silent token expiry",
    body: "Connections are watched. Access is renewed before it lapses, and if a connection needs you, Tillbridge says so instead of quietly stopping.",
  },
  {
    title: "No oversells from slow polling",
    body: "Stock changes are sent on as they happen rather than on the next polling run, so an item that just sold in store stops selling online.",
  },
] as const;

function Code({ children }: { children: ReactNode }) {
  return (
    <code
      style={{
        padding: "0.0625rem 0.3125rem",
        borderRadius: "0.25rem",
        background: "var(--p-color-bg-surface-secondary, #f1f1f1)",
        fontSize: "0.875em",
      }}
    >
      {children}
    </code>
  );
}

/** Side padding on phones, where Polaris `Page` and `Card` run edge to edge. */
function Gutter({ children }: { children: ReactNode }) {
  return <Box paddingInline={{ xs: "400", sm: "0" }}>{children}</Box>;
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  const headingId = useId();
  return (
    <section aria-labelledby={headingId}>
      <BlockStack gap="400">
        <Gutter>
          <Text as="h2" variant="headingLg" id={headingId}>
            {title}
          </Text>
        </Gutter>
        {children}
      </BlockStack>
    </section>
  );
}

function DemoSteps() {
  const [open, setOpen] = useState(false);
  const stepsId = useId();
  return (
    <BlockStack gap="200">
      <InlineStack>
        <Button
          disclosure={open ? "up" : "down"}
          ariaExpanded={open}
          ariaControls={stepsId}
          onClick={() => setOpen((value) => !value)}
        >
          How to run the demo
        </Button>
      </InlineStack>
      <Collapsible id={stepsId} open={open}>
        <List type="number">
          <List.Item>
            Use Node.js 22.12 or later and install the dependencies with <Code>npm install</Code>.
          </List.Item>
          <List.Item>
            Start Tillbridge with <Code>npm run dev</Code>.
          </List.Item>
          <List.Item>Open the address it prints in your browser.</List.Item>
        </List>
        <Box paddingBlockStart="200">
          <Text as="p">
            No Square, Shopify or QuickBooks account is needed: the sandbox vendors and the demo
            data are built in.
          </Text>
        </Box>
      </Collapsible>
    </BlockStack>
  );
}

/** The public landing page; `demoAdminUrl` is the sandbox's Shopify admin when Shopify is sandboxed. */
export function LandingPage({ demoAdminUrl }: { demoAdminUrl: string | null }) {
  return (
    <AppProvider i18n={enTranslations}>
      <header>
        <Box paddingInline="400" paddingBlock="300" borderBlockEndWidth="025" borderColor="border">
          <Text as="p" variant="headingMd">
            Tillbridge
          </Text>
        </Box>
      </header>
      <main>
        <Page>
          <BlockStack gap="800">
            <Gutter>
              <BlockStack gap="300">
                <Text as="h1" variant="heading2xl">
                  Your till, your store and your books, in step
                </Text>
                <Text as="p" variant="bodyLg">
                  Tillbridge connects Square POS, your Shopify store and QuickBooks Online, so sales
                  reach the books, stock matches in every channel and customers earn one loyalty
                  balance.
                </Text>
              </BlockStack>
            </Gutter>

            <Section title="What Tillbridge does">
              <InlineGrid columns={{ xs: 1, md: 3 }} gap="400">
                {capabilities.map((capability) => (
                  <Card key={capability.title}>
                    <BlockStack gap="200">
                      <Text as="h3" variant="headingMd">
                        {capability.title}
                      </Text>
                      <Text as="p">{capability.body}</Text>
                    </BlockStack>
                  </Card>
                ))}
              </InlineGrid>
            </Section>

            <Section title="Why it's different">
              <Card>
                <BlockStack gap="300">
                  {differences.map((difference) => (
                    <BlockStack gap="100" key={difference.title}>
                      <Text as="h3" variant="headingSm">
                        {difference.title}
                      </Text>
                      <Text as="p">{difference.body}</Text>
                    </BlockStack>
                  ))}
                </BlockStack>
              </Card>
            </Section>

            <Section title="Try the demo">
              <Card>
                <BlockStack gap="300">
                  <Text as="p">
                    <Code>npm run dev</Code> runs Tillbridge against built-in sandbox versions of
                    Square, Shopify and QuickBooks Online, loaded with demo data.
                  </Text>
                  <DemoSteps />
                  {demoAdminUrl ? (
                    <InlineStack gap="300" blockAlign="center">
                      <Button variant="primary" url={demoAdminUrl} external={false}>
                        Open the demo Shopify admin
                      </Button>
                      <Text as="p" tone="subdued">
                        A local Shopify admin with a demo store; Tillbridge opens inside it as it would at Shopify.
                      </Text>
                    </InlineStack>
                  ) : (
                    <Text as="p" tone="subdued">
                      This installation talks to the real Shopify: open Tillbridge from your Shopify admin.
                    </Text>
                  )}
                </BlockStack>
              </Card>
            </Section>

            <Section title="Install">
              <Card>
                <BlockStack gap="300">
                  <InlineStack gap="200" blockAlign="center">
                    <Text as="p">Install from the Shopify App Store</Text>
                    <Badge>Not live yet</Badge>
                  </InlineStack>
                  <InlineStack gap="200" blockAlign="center">
                    <Text as="p">Install from the Square App Marketplace</Text>
                    <Badge>Not live yet</Badge>
                  </InlineStack>
                  <Text as="p" tone="subdued">
                    Tillbridge is not listed in either marketplace yet. Install links will appear
                    here once the listings are live.
                  </Text>
                </BlockStack>
              </Card>
            </Section>
          </BlockStack>
        </Page>
      </main>
      <footer>
        <Box paddingInline="400" paddingBlock="600">
          <Text as="p" tone="subdued" alignment="center">
            Tillbridge — point-of-sale integration for Shopify, Square and QuickBooks Online.
          </Text>
        </Box>
      </footer>
    </AppProvider>
  );
}
