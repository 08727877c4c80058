import { useFetcher, useRevalidator } from "@remix-run/react";
import { Banner, BlockStack, Button, Card, DataTable, InlineGrid, Layout, Page, ProgressBar, Text } from "@shopify/polaris";
import { useEffect } from "react";
import { formatMoment } from "~/components/OverviewCards";
import type { InventoryActionResult, InventoryPageData, ReportSection } from "~/sync/inventory/inventory-page.server";

/** How often a running scan's progress is read again. */
const PROGRESS_POLL_MS = 1_000;

const PHASES: Record<string, string> = {
  starting: "Starting",
  "shopify-locations": "Reading your Shopify locations",
  "shopify-variants": "Reading your Shopify products",
  "square-locations": "Reading your Square locations",
  "square-variations": "Reading your Square items",
  matching: "Matching",
  "waiting-for-budget": "Waiting for Shopify's request allowance (large catalogs take a few minutes)",
};

/** The Inventory page, shared by the embedded Shopify app and the Square merchant area. */
export function InventoryPage({ connected, scan, sync }: InventoryPageData) {
  const fetcher = useFetcher<InventoryActionResult>();
  const revalidator = useRevalidator();
  const running = scan?.status === "RUNNING";
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => {
      if (revalidator.state === "idle") revalidator.revalidate();
    }, PROGRESS_POLL_MS);
    return () => clearInterval(timer);
  }, [running, revalidator]);
  const bothConnected = connected.shopify && connected.square;

  return (
    <Page title="Inventory" subtitle="Keep stock the same in Shopify and Square, within about a second of each sale.">
      <Layout>
        {!bothConnected && (
          <Layout.Section>
            <Banner tone="info" title="Connect both channels first">
              <p>
                Inventory sync needs {connected.shopify ? "" : "your Shopify store"}
                {!connected.shopify && !connected.square ? " and " : ""}
                {connected.square ? "" : "your Square account"} connected. Connect {connected.square ? "it" : "Square"} under Connections.
              </p>
            </Banner>
          </Layout.Section>
        )}
        <Layout.Section>
          <Card>
            <BlockStack gap="400">
              <Text as="h2" variant="headingMd">
                Match your catalogs
              </Text>
              <Text as="p">
                Tillbridge reads your Shopify products and your Square items and pairs them by SKU, then by barcode. Nothing changes in either channel
                while it scans.
              </Text>
              {fetcher.state === "idle" && fetcher.data && !fetcher.data.ok && (
                <Banner tone="warning">
                  <p>{fetcher.data.message}</p>
                </Banner>
              )}
              {running ? (
                <ScanProgress phase={scan.phase} done={scan.done} total={scan.total} />
              ) : (
                <fetcher.Form method="post">
                  <input type="hidden" name="intent" value="scan" />
                  <Button submit variant="primary" disabled={!bothConnected} loading={fetcher.state !== "idle"}>
                    {scan ? "Scan again" : "Scan catalogs"}
                  </Button>
                </fetcher.Form>
              )}
              {scan?.status === "FAILED" && (
                <Banner tone="critical" title="The scan did not finish">
                  <p>{scan.error}</p>
                </Banner>
              )}
            </BlockStack>
          </Card>
        </Layout.Section>
        {scan?.status === "DONE" && scan.counts && (
          <Layout.Section>
            <BlockStack gap="400">
              <Card>
                <BlockStack gap="300">
                  <Text as="h2" variant="headingMd">
                    Matching report
                  </Text>
                  <Text as="p" tone="subdued">
                    {scan.counts.shopifyVariants.toLocaleString("en-US")} Shopify variants and {scan.counts.squareVariations.toLocaleString("en-US")} Square
                    items compared{scan.finishedAt ? <> · finished <time dateTime={scan.finishedAt}>{formatMoment(scan.finishedAt)}</time></> : null}.
                  </Text>
                  <InlineGrid columns={{ xs: 2, md: 3 }} gap="300">
                    {scan.sections.map((section) => (
                      <BlockStack key={section.key} gap="100">
                        <Text as="p" variant="headingLg">
                          {section.count.toLocaleString("en-US")}
                        </Text>
                        <Text as="p" tone="subdued">
                          {section.title}
                        </Text>
                      </BlockStack>
                    ))}
                  </InlineGrid>
                </BlockStack>
              </Card>
              {scan.sections
                .filter((section) => section.count > 0)
                .map((section) => (
                  <ReportSectionCard key={section.key} section={section} />
                ))}
            </BlockStack>
          </Layout.Section>
        )}
        {sync && (
          <Layout.Section>
            <Card>
              <BlockStack gap="200">
                <Text as="h2" variant="headingMd">
                  Inventory sync
                </Text>
                <Text as="p">
                  {sync.enabled ? "On" : "Off"}: {sync.linkedLevels.toLocaleString("en-US")} items kept in step.{" "}
                  {sync.lastReconciledAt ? <>Last checked <time dateTime={sync.lastReconciledAt}>{formatMoment(sync.lastReconciledAt)}</time>.</> : "Not checked yet."}
                </Text>
              </BlockStack>
            </Card>
          </Layout.Section>
        )}
      </Layout>
    </Page>
  );
}

function ScanProgress({ phase, done, total }: { phase: string | null; done: number; total: number | null }) {
  const label = PHASES[phase ?? "starting"] ?? "Scanning";
  const progress = total && total > 0 ? Math.min(100, Math.round((done / total) * 100)) : null;
  return (
    <BlockStack gap="200">
      <div role="status" id="inventory-scan-progress">
        <Text as="p">
          {label}
          {done > 0 ? `: ${done.toLocaleString("en-US")}${total ? ` of ${total.toLocaleString("en-US")}` : ""}` : "…"}
        </Text>
      </div>
      <ProgressBar progress={progress ?? 5} animated={progress === null} ariaLabelledBy="inventory-scan-progress" size="small" />
    </BlockStack>
  );
}

function ReportSectionCard({ section }: { section: ReportSection }) {
  return (
    <section aria-label={section.title}>
      <Card>
        <BlockStack gap="300">
          <Text as="h3" variant="headingSm">
            {section.title} ({section.count.toLocaleString("en-US")})
          </Text>
          <Text as="p">{section.advice}</Text>
          <DataTable
            columnContentTypes={["text", "text", "text"]}
            headings={["SKU", "In Shopify", "In Square"]}
            rows={section.rows.map((row) => [row.sku, row.shopify, row.square])}
            footerContent={section.count > section.rows.length ? `Showing ${section.rows.length} of ${section.count.toLocaleString("en-US")}` : undefined}
          />
        </BlockStack>
      </Card>
    </section>
  );
}
