import { useFetcher, useRevalidator } from "@remix-run/react";
import { Banner, BlockStack, Button, Card, Checkbox, DataTable, FormLayout, InlineGrid, InlineStack, Layout, Page, ProgressBar, Select, Text, TextField } from "@shopify/polaris";
import { useEffect, useState } from "react";
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
export function InventoryPage({ connected, scan, sync, locations, settings, unalignedPairs, alignment }: InventoryPageData) {
  const fetcher = useFetcher<InventoryActionResult>();
  const revalidator = useRevalidator();
  const running = scan?.status === "RUNNING" || alignment?.status === "READING" || alignment?.status === "APPLYING";
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
              {scan?.status === "RUNNING" ? (
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
        {scan?.status === "DONE" && locations && (
          <Layout.Section>
            <SetupCard locations={locations} settings={settings} />
          </Layout.Section>
        )}
        {settings && settings.locations.length > 0 && (unalignedPairs > 0 || alignment) && (
          <Layout.Section>
            <AlignmentCard alignment={alignment} unalignedPairs={unalignedPairs} locations={locations} />
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

const DIRECTIONS = [
  { label: "Both ways", value: "both" },
  { label: "Shopify to Square only", value: "shopify_to_square" },
  { label: "Square to Shopify only", value: "square_to_shopify" },
];

const WINNERS = [
  { label: "Square's count", value: "square" },
  { label: "Shopify's count", value: "shopify" },
];

type Locations = NonNullable<InventoryPageData["locations"]>;

/** Which locations are kept in step, the direction, the conflict winner and the buffers. */
function SetupCard({ locations, settings }: { locations: Locations; settings: InventoryPageData["settings"] }) {
  const fetcher = useFetcher<InventoryActionResult>();
  const pairOf = (shopifyLocationId: string) => settings?.locations.find((pair) => pair.shopifyLocationId === shopifyLocationId);
  const [paired, setPaired] = useState<Record<string, string>>(() => Object.fromEntries(locations.shopify.map((location) => [location.id, pairOf(location.id)?.squareLocationId ?? ""])));
  const [buffers, setBuffers] = useState<Record<string, string>>(() => Object.fromEntries(locations.shopify.map((location) => [location.id, String(pairOf(location.id)?.buffer ?? 0)])));
  const [direction, setDirection] = useState<string>(settings?.direction ?? "both");
  const [conflictWinner, setConflictWinner] = useState<string>(settings?.conflictWinner ?? "square");
  const [caseInsensitiveSkus, setCaseInsensitiveSkus] = useState<boolean>(settings?.caseInsensitiveSkus ?? false);
  const squareOptions = [{ label: "Don't sync this location", value: "" }, ...locations.square.map((location) => ({ label: location.name, value: location.id }))];
  const oneWay = direction !== "both";

  return (
    <section aria-label="Keep stock in step">
      <Card>
        <fetcher.Form method="post">
          <input type="hidden" name="intent" value="setup" />
          <BlockStack gap="400">
            <Text as="h2" variant="headingMd">
              Keep stock in step
            </Text>
            <Text as="p">Pair each Shopify location with the Square location that holds the same stock. Nothing is written until you confirm a preview.</Text>
            {fetcher.state === "idle" && fetcher.data && (
              <Banner tone={fetcher.data.ok ? "success" : "warning"}>
                <p>{fetcher.data.message}</p>
              </Banner>
            )}
            <FormLayout>
              {locations.shopify.map((location) => (
                <FormLayout.Group key={location.id} condensed>
                  <Select
                    label={`Square location for ${location.name}`}
                    name={`square:${location.id}`}
                    options={squareOptions}
                    value={paired[location.id] ?? ""}
                    onChange={(value) => setPaired((current) => ({ ...current, [location.id]: value }))}
                  />
                  <TextField
                    label={`Units held back from Shopify at ${location.name}`}
                    name={`buffer:${location.id}`}
                    type="number"
                    min={0}
                    autoComplete="off"
                    value={buffers[location.id] ?? "0"}
                    disabled={!paired[location.id]}
                    helpText="Shopify shows Square's count less these units, so the last ones stay for the shop floor."
                    onChange={(value) => setBuffers((current) => ({ ...current, [location.id]: value }))}
                  />
                </FormLayout.Group>
              ))}
              <Select label="Direction" name="direction" options={DIRECTIONS} value={direction} onChange={setDirection} />
              <Select
                label="When the counts disagree, keep"
                name="conflictWinner"
                options={WINNERS}
                value={oneWay ? (direction === "shopify_to_square" ? "shopify" : "square") : conflictWinner}
                disabled={oneWay}
                helpText={oneWay ? "In a one-way sync the source's count always wins." : "Used for the first alignment and whenever a check finds the channels apart."}
                onChange={setConflictWinner}
              />
              {oneWay && <input type="hidden" name="conflictWinner" value={direction === "shopify_to_square" ? "shopify" : "square"} />}
              <Checkbox
                label="Match SKUs that differ only in capital letters (from the next scan)"
                name="caseInsensitiveSkus"
                checked={caseInsensitiveSkus}
                onChange={setCaseInsensitiveSkus}
              />
            </FormLayout>
            <InlineStack>
              <Button submit variant="primary" loading={fetcher.state !== "idle"}>
                Save
              </Button>
            </InlineStack>
          </BlockStack>
        </fetcher.Form>
      </Card>
    </section>
  );
}

function locationName(locations: Locations | null, side: "shopify" | "square", id: string): string {
  return locations?.[side].find((location) => location.id === id)?.name ?? id;
}

/** The preview of the first alignment, its confirmation, and its outcome. */
function AlignmentCard({ alignment, unalignedPairs, locations }: { alignment: InventoryPageData["alignment"]; unalignedPairs: number; locations: Locations | null }) {
  const fetcher = useFetcher<InventoryActionResult>();
  const busy = fetcher.state !== "idle";
  const previewButton = (label: string, primary: boolean) => (
    <fetcher.Form method="post">
      <input type="hidden" name="intent" value="preview" />
      <Button submit variant={primary ? "primary" : undefined} loading={busy}>
        {label}
      </Button>
    </fetcher.Form>
  );
  const status = alignment?.status;
  const summary = alignment?.summary;
  return (
    <section aria-label="Align stock">
      <Card>
        <BlockStack gap="400">
          <Text as="h2" variant="headingMd">
            Align stock
          </Text>
          {fetcher.state === "idle" && fetcher.data && !fetcher.data.ok && (
            <Banner tone="warning">
              <p>{fetcher.data.message}</p>
            </Banner>
          )}
          {(status === "READING" || status === "APPLYING") && alignment && (
            <BlockStack gap="200">
              <div role="status" id="inventory-alignment-progress">
                <Text as="p">
                  {status === "READING" ? "Reading your stock on both channels" : "Aligning"}
                  {alignment.total ? `: ${alignment.done.toLocaleString("en-US")} of ${alignment.total.toLocaleString("en-US")}` : "…"}
                </Text>
              </div>
              <ProgressBar progress={alignment.total ? Math.min(100, Math.round((alignment.done / alignment.total) * 100)) : 5} ariaLabelledBy="inventory-alignment-progress" size="small" />
            </BlockStack>
          )}
          {status === "READY" && alignment && summary && (
            <BlockStack gap="300">
              <Text as="p">
                {summary.rows.toLocaleString("en-US")} items compared: {summary.inStep.toLocaleString("en-US")} already match, {summary.changeShopify.toLocaleString("en-US")} will change in
                Shopify, {summary.changeSquare.toLocaleString("en-US")} will change in Square
                {summary.notStocked > 0 ? `, and ${summary.notStocked.toLocaleString("en-US")} are not stocked at the paired Shopify location (stock them there to sync them)` : ""}.
              </Text>
              {alignment.changes.length > 0 && (
                <DataTable
                  columnContentTypes={["text", "text", "text", "text"]}
                  headings={["SKU", "Location", "Shopify", "Square"]}
                  rows={alignment.changes.map((row) => [
                    row.sku,
                    `${locationName(locations, "shopify", row.shopifyLocationId)} / ${locationName(locations, "square", row.squareLocationId)}`,
                    row.shopify === row.after.shopify ? String(row.shopify) : `${row.shopify} → ${row.after.shopify}`,
                    row.square === row.after.square ? String(row.square) : `${row.square} → ${row.after.square}`,
                  ])}
                  footerContent={summary.changeShopify + summary.changeSquare > alignment.changes.length ? `Showing ${alignment.changes.length} of ${(summary.changeShopify + summary.changeSquare).toLocaleString("en-US")} changes` : undefined}
                />
              )}
              <Text as="p" tone="subdued">
                Sales made after this preview are kept: each channel's own changes are carried over before the counts are aligned.
              </Text>
              <InlineStack gap="200">
                <fetcher.Form method="post">
                  <input type="hidden" name="intent" value="confirm" />
                  <input type="hidden" name="alignmentId" value={alignment.id} />
                  <Button submit variant="primary" loading={busy}>
                    Confirm and start syncing
                  </Button>
                </fetcher.Form>
                {previewButton("Preview again", false)}
              </InlineStack>
            </BlockStack>
          )}
          {status === "APPLIED" && alignment && (
            <Banner tone="success" title="Stock aligned">
              <p>
                {(alignment.applied?.written ?? 0).toLocaleString("en-US")} items were changed
                {alignment.finishedAt ? <> on <time dateTime={alignment.finishedAt}>{formatMoment(alignment.finishedAt)}</time></> : null}. Tillbridge keeps them in step from now on.
              </p>
            </Banner>
          )}
          {status === "FAILED" && alignment && (
            <Banner tone="critical" title="The alignment did not finish">
              <p>{alignment.error}</p>
            </Banner>
          )}
          {unalignedPairs > 0 && status !== "READING" && status !== "APPLYING" && status !== "READY" && (
            <BlockStack gap="200">
              <Text as="p">
                {unalignedPairs === 1 ? "One pair of locations is" : `${unalignedPairs} pairs of locations are`} not in step yet. Preview the differences: nothing is written until you
                confirm.
              </Text>
              <InlineStack>{previewButton("Preview differences", true)}</InlineStack>
            </BlockStack>
          )}
        </BlockStack>
      </Card>
    </section>
  );
}
