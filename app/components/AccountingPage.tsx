import { useFetcher, useRevalidator } from "@remix-run/react";
import { Badge, Banner, BlockStack, Button, Card, DataTable, FormLayout, IndexTable, InlineGrid, InlineStack, Layout, List, Page, ProgressBar, Select, Text, TextField } from "@shopify/polaris";
import { useEffect, useState } from "react";
import { OpenIssuesCard } from "~/components/ActivityPage";
import { KeyboardScrollable } from "~/components/KeyboardScrollable";
import { formatMinorUnits, PostedPerDayChart } from "~/components/PostedPerDayChart";
import type { PostingMode } from "~/domain/accounting/mapping";
import type { Source } from "~/domain/accounting/source-sale";
import type { AccountingActionResult, AccountingDocumentRow, AccountingPageData, DocumentStatus, MappingSummary, PostedSeries } from "~/sync/accounting/accounting-page.server";
import type { ImportProgress } from "~/sync/accounting/import.server";

const CHANNELS: Record<Source, string> = { square: "Square", shopify: "Shopify" };

const MODES: Record<PostingMode, { label: string; explanation: string }> = {
  per_order: {
    label: "One receipt per order",
    explanation:
      "Each sale becomes a sales receipt and each refund a refund receipt in QuickBooks, numbered after the order, so you can look up any order there. QuickBooks' sales tax centre sees every sale.",
  },
  daily_summary: {
    label: "One summary per day",
    explanation:
      "Each location's sales, refunds, payments and fees of a day go into one journal entry. Your books stay short even with many sales a day; the sales tax collected is recorded on an account you choose.",
  },
};

/** What "a location's day" means for each channel, said once the merchant picks daily summaries for it. */
const DAILY_LOCATIONS: Record<Source, string> = {
  square: "Each Square location's day runs from midnight to midnight in that location's time zone, and is posted about an hour after it ends.",
  shopify:
    "For Shopify, the online store counts as one location and each point-of-sale location as another; days run from midnight to midnight in your shop's time zone and are posted about an hour after they end. A refund counts on the day it was made.",
};

function modeExplanation(source: Source, mode: PostingMode): string {
  return mode === "daily_summary" ? `${MODES[mode].explanation} ${DAILY_LOCATIONS[source]}` : MODES[mode].explanation;
}

const MODE_OPTIONS = (Object.keys(MODES) as PostingMode[]).map((mode) => ({ label: MODES[mode].label, value: mode }));

/** The Accounting page, shared by the embedded Shopify app and the Square merchant area. */
export function AccountingPage({ connected, setup, postedPerDay, documents, issues, counts, accountingImports, shopifyImportEarliest }: AccountingPageData) {
  const missing = [!connected.quickbooks && "QuickBooks Online", !connected.square && !connected.shopify && "Square or Shopify"].filter((name): name is string => Boolean(name));
  return (
    <Page title="Accounting" subtitle="Post your Square and Shopify sales, refunds and fees to QuickBooks Online, each exactly once.">
      <Layout>
        {missing.length > 0 && (
          <Layout.Section>
            <Banner tone="info" title="Connect your accounts first">
              <p>Accounting sync posts your sales from Square or Shopify to QuickBooks Online. Connect {missing.join(" and ")} under Connections.</p>
            </Banner>
          </Layout.Section>
        )}
        <Layout.Section>
          <CountsCard counts={counts} />
        </Layout.Section>
        <Layout.Section>
          <SetupCard connected={connected} setup={setup} />
        </Layout.Section>
        {(connected.quickbooks || accountingImports.length > 0) && (
          <Layout.Section>
            <ImportCard connected={connected} setup={setup} accountingImports={accountingImports} shopifyImportEarliest={shopifyImportEarliest} />
          </Layout.Section>
        )}
        <Layout.Section>
          <OpenIssuesCard issues={issues} />
        </Layout.Section>
        <Layout.Section>
          <PostedPerDayCard series={postedPerDay} />
        </Layout.Section>
        <Layout.Section>
          <RecentDocumentsCard documents={documents} />
        </Layout.Section>
      </Layout>
    </Page>
  );
}

function CountsCard({ counts }: { counts: AccountingPageData["counts"] }) {
  const figures = [
    { label: "Posted today", value: counts.postedToday },
    { label: "Posted this week", value: counts.postedThisWeek },
    { label: "Waiting to be posted", value: counts.pending },
    { label: "Could not be posted", value: counts.failed },
  ];
  return (
    <section aria-label="Documents in QuickBooks">
      <Card>
        <BlockStack gap="300">
          <InlineGrid columns={{ xs: 2, md: 4 }} gap="300">
            {figures.map((figure) => (
              <BlockStack key={figure.label} gap="100">
                <Text as="p" variant="headingLg" tone={figure.label === "Could not be posted" && figure.value > 0 ? "critical" : undefined}>
                  {figure.value.toLocaleString("en-US")}
                </Text>
                <Text as="p" tone="subdued">
                  {figure.label}
                </Text>
              </BlockStack>
            ))}
          </InlineGrid>
          <Text as="p" variant="bodySm" tone="subdued">
            Days are UTC days; a week starts on Monday.
          </Text>
        </BlockStack>
      </Card>
    </section>
  );
}

function SetupCard({ connected, setup }: { connected: AccountingPageData["connected"]; setup: AccountingPageData["setup"] }) {
  const fetcher = useFetcher<AccountingActionResult>();
  const busy = fetcher.state !== "idle";
  const connectedSources = (Object.keys(CHANNELS) as Source[]).filter((source) => connected[source]);
  // Channels connected but not posting yet can be turned on; channels already posting can be turned off.
  const notYetOn = connectedSources.filter((source) => !setup.enabledFor.includes(source));
  const [modes, setModes] = useState<Record<Source, PostingMode>>(setup.modes);
  const canTurnOn = connected.quickbooks && notYetOn.length > 0;
  const result = fetcher.state === "idle" ? fetcher.data : undefined;
  const status =
    setup.enabledFor.length === 0
      ? "Off. Nothing is posted to QuickBooks until you turn it on."
      : `On for ${setup.enabledFor.map((source) => CHANNELS[source]).join(" and ")}. New sales and refunds are posted to QuickBooks as they come in.`;

  return (
    <section aria-label="Setup">
      <Card>
        <BlockStack gap="400">
          <Text as="h2" variant="headingMd">
            Setup
          </Text>
          <Text as="p">{status}</Text>
          {result && result.ok && (
            <Banner tone="success">
              <p>{result.message}</p>
            </Banner>
          )}
          {result && !result.ok && (
            <Banner tone="warning" title={result.message}>
              {result.problems && result.problems.length > 0 && (
                <List type="bullet">
                  {result.problems.map((problem) => (
                    <List.Item key={problem}>{problem}</List.Item>
                  ))}
                </List>
              )}
            </Banner>
          )}

          <BlockStack gap="200">
            <Text as="h3" variant="headingSm">
              How sales are posted
            </Text>
            <List type="bullet">
              {(Object.keys(MODES) as PostingMode[]).map((mode) => (
                <List.Item key={mode}>
                  <Text as="span" fontWeight="semibold">
                    {MODES[mode].label}:
                  </Text>{" "}
                  {MODES[mode].explanation}
                </List.Item>
              ))}
            </List>
            {setup.enabledFor.map((source) => (
              <Text as="p" key={source}>
                {CHANNELS[source]}: {MODES[setup.modes[source]].label.toLowerCase()}.
              </Text>
            ))}
          </BlockStack>

          <MappingDetails mapping={setup.mapping} />

          {notYetOn.length > 0 && (
            <fetcher.Form method="post">
              <input type="hidden" name="intent" value="enable" />
              <BlockStack gap="300">
                <FormLayout>
                  {notYetOn.map((source) => (
                    <Select
                      key={source}
                      label={`Post ${CHANNELS[source]} sales as`}
                      name={`${source}Mode`}
                      options={MODE_OPTIONS}
                      value={modes[source]}
                      onChange={(value) => setModes((current) => ({ ...current, [source]: value === "per_order" ? "per_order" : "daily_summary" }))}
                      helpText={modeExplanation(source, modes[source])}
                    />
                  ))}
                </FormLayout>
                <InlineStack>
                  <Button submit variant="primary" disabled={!canTurnOn} loading={busy && fetcher.formData?.get("intent") === "enable"}>
                    Turn on with these settings
                  </Button>
                </InlineStack>
              </BlockStack>
            </fetcher.Form>
          )}
          {setup.enabledFor.length > 0 && (
            <fetcher.Form method="post">
              <input type="hidden" name="intent" value="disable" />
              <BlockStack gap="200">
                <Text as="p" tone="subdued">
                  Turning it off stops new posts. What is already in QuickBooks stays there. To change how sales are posted, turn it off and on again with other settings.
                </Text>
                <InlineStack>
                  <Button submit tone="critical" loading={busy && fetcher.formData?.get("intent") === "disable"}>
                    Turn off
                  </Button>
                </InlineStack>
              </BlockStack>
            </fetcher.Form>
          )}
        </BlockStack>
      </Card>
    </section>
  );
}

const PROGRESS_REFRESH_MS = 5_000;

function plural(count: number, one: string, many: string): string {
  return `${count.toLocaleString("en-US")} ${count === 1 ? one : many}`;
}

function ImportProgressView({ progress }: { progress: ImportProgress }) {
  const channel = CHANNELS[progress.source];
  const handled = progress.ordersPosted + progress.ordersNotPosted;
  const percent = progress.ordersFound ? Math.min(100, Math.round((handled / progress.ordersFound) * 100)) : progress.status === "DONE" ? 100 : 0;
  const since = `since ${progress.startDate}`;
  const notPosted = progress.ordersNotPosted > 0 && (
    <Text as="p" tone="critical">
      {plural(progress.ordersNotPosted, "order", "orders")} could not be posted. Each is listed under Problems with what to do.
    </Text>
  );
  if (progress.status === "FAILED") {
    return (
      <Banner tone="critical" title={`The import of ${channel} sales ${since} stopped`}>
        <p>{progress.reason}</p>
        <p>{plural(progress.ordersPosted, "order was", "orders were")} posted before it stopped.</p>
      </Banner>
    );
  }
  if (progress.status === "DONE") {
    return (
      <BlockStack gap="200">
        <Text as="p">
          Import done: {plural(progress.ordersPosted, `${channel} order`, `${channel} orders`)} {since} {progress.ordersPosted === 1 ? "is" : "are"} in QuickBooks.
        </Text>
        {notPosted}
      </BlockStack>
    );
  }
  const counting = progress.ordersFound === null;
  return (
    <BlockStack gap="200">
      {progress.status === "PAUSED" && (
        <Banner tone="warning" title={`Import of ${channel} sales paused`}>
          <p>{progress.reason}</p>
        </Banner>
      )}
      <Text as="p" id={`import-progress-label-${progress.source}`}>
        {counting
          ? `Counting the ${channel} orders ${progress.source === "square" ? "closed" : "paid"} ${since}…`
          : `${plural(progress.ordersPosted, "order", "orders")} of ${progress.ordersFound!.toLocaleString("en-US")} posted to QuickBooks (${channel} sales ${since}).`}
      </Text>
      <ProgressBar progress={percent} tone={progress.status === "PAUSED" ? "critical" : "highlight"} ariaLabelledBy={`import-progress-label-${progress.source}`} />
      {progress.status === "RUNNING" && progress.minutesLeft !== null && progress.minutesLeft > 0 && (
        <Text as="p" tone="subdued">
          About {plural(progress.minutesLeft, "minute", "minutes")} left: {plural(progress.documentsLeft ?? 0, "document", "documents")} to go, at the pace QuickBooks allows (about 450 requests a
          minute for your company).
        </Text>
      )}
      {notPosted}
    </BlockStack>
  );
}

function ImportCard({
  connected,
  setup,
  accountingImports,
  shopifyImportEarliest,
}: {
  connected: AccountingPageData["connected"];
  setup: AccountingPageData["setup"];
  accountingImports: ImportProgress[];
  shopifyImportEarliest: AccountingPageData["shopifyImportEarliest"];
}) {
  const revalidator = useRevalidator();
  const goingFor = (source: Source) => accountingImports.some((progress) => progress.source === source && (progress.status === "RUNNING" || progress.status === "PAUSED"));
  const anyGoing = goingFor("square") || goingFor("shopify");
  // While an import goes, the page reads its progress again every few seconds.
  useEffect(() => {
    if (!anyGoing) return;
    const timer = setInterval(() => {
      if (revalidator.state === "idle") revalidator.revalidate();
    }, PROGRESS_REFRESH_MS);
    return () => clearInterval(timer);
  }, [anyGoing, revalidator]);
  const canImport = (source: Source) => connected.quickbooks && connected[source] && setup.enabledFor.includes(source) && setup.modes[source] === "per_order";
  return (
    <section aria-label="Import past sales">
      <Card>
        <BlockStack gap="300">
          <Text as="h2" variant="headingMd">
            Import past sales
          </Text>
          <Text as="p">
            Post the sales and refunds from before you turned accounting on: every completed Square order closed, or paid Shopify order placed, since the day you choose, each as its own
            receipt. Orders already in QuickBooks are not posted again.
          </Text>
          {accountingImports.map((progress) => (
            <ImportProgressView key={progress.id} progress={progress} />
          ))}
          {canImport("square") && !goingFor("square") && (
            <ImportForm source="square" helpText="Each store's own calendar day. A year of sales takes a while: QuickBooks takes about 450 requests a minute from an app." />
          )}
          {canImport("shopify") && !goingFor("shopify") && (
            <ImportForm
              source="shopify"
              min={shopifyImportEarliest?.date}
              helpText={
                shopifyImportEarliest
                  ? `The shop's calendar day. Shopify shows Tillbridge only the last ${shopifyImportEarliest.windowDays} days of orders (older ones need Shopify's read_all_orders permission, which Tillbridge does not have): choose ${shopifyImportEarliest.date} or later.`
                  : "The shop's calendar day. A year of sales takes a while: QuickBooks takes about 450 requests a minute from an app."
              }
            />
          )}
          {!canImport("square") && !canImport("shopify") && !anyGoing && (
            <Text as="p" tone="subdued">
              To import past sales, connect Square or Shopify and turn accounting on for it with one receipt per order.
            </Text>
          )}
        </BlockStack>
      </Card>
    </section>
  );
}

function ImportForm({ source, helpText, min }: { source: Source; helpText: string; min?: string | undefined }) {
  const fetcher = useFetcher<AccountingActionResult>();
  const [startDate, setStartDate] = useState("");
  const result = fetcher.state === "idle" ? fetcher.data : undefined;
  const channel = CHANNELS[source];
  return (
    <BlockStack gap="200">
      {result && (
        <Banner tone={result.ok ? "success" : "warning"}>
          <p>{result.message}</p>
        </Banner>
      )}
      <fetcher.Form method="post">
        <input type="hidden" name="intent" value="import" />
        <input type="hidden" name="source" value={source} />
        <BlockStack gap="200">
          <FormLayout>
            <TextField label={`First day of ${channel} sales to import`} type="date" name="startDate" value={startDate} onChange={setStartDate} autoComplete="off" min={min} helpText={helpText} />
          </FormLayout>
          <InlineStack>
            <Button submit variant="primary" disabled={startDate === ""} loading={fetcher.state !== "idle"}>
              {`Import ${channel} sales`}
            </Button>
          </InlineStack>
        </BlockStack>
      </fetcher.Form>
    </BlockStack>
  );
}

const NOT_CHOSEN = "Not chosen yet";

function MappingDetails({ mapping }: { mapping: MappingSummary | null }) {
  if (!mapping) {
    return (
      <Text as="p" tone="subdued">
        When you turn accounting sync on, Tillbridge reads your QuickBooks accounts and picks where each kind of money goes, for example card and cash payments to
        Undeposited Funds. Those choices are shown here afterwards.
      </Text>
    );
  }
  const dimensionName = mapping.locations.dimension === "department" ? "QuickBooks location" : "Class";
  return (
    <BlockStack gap="300">
      <Text as="h3" variant="headingSm">
        Where the money goes in QuickBooks
      </Text>
      <DataTable
        columnContentTypes={["text", "text", "text"]}
        headings={["Payments", "Deposited to", "Payment method"]}
        rows={mapping.deposits.map((row) => [row.label, row.account ?? NOT_CHOSEN, row.paymentMethod ?? "—"])}
      />
      <BlockStack gap="100">
        <Text as="p">
          <Text as="span" fontWeight="semibold">
            Sales tax:
          </Text>{" "}
          {mapping.tax}
          {mapping.taxLiabilityAccount ? ` Daily summaries record it on “${mapping.taxLiabilityAccount}”.` : ""}
        </Text>
        <Text as="p">
          <Text as="span" fontWeight="semibold">
            Processing fees:
          </Text>{" "}
          {mapping.feesAccount ?? NOT_CHOSEN}
        </Text>
        {mapping.locations.dimension === "none" ? (
          <Text as="p">
            <Text as="span" fontWeight="semibold">
              Locations:
            </Text>{" "}
            Sales are not split by location in QuickBooks.
          </Text>
        ) : (
          <Text as="p">
            <Text as="span" fontWeight="semibold">
              Locations:
            </Text>{" "}
            Each store&apos;s sales are tagged with a {dimensionName.toLowerCase()} in QuickBooks.
          </Text>
        )}
      </BlockStack>
      {mapping.locations.dimension !== "none" && mapping.locations.pairs.length > 0 && (
        <DataTable columnContentTypes={["text", "text"]} headings={["Store", dimensionName]} rows={mapping.locations.pairs.map((pair) => [pair.location, pair.target])} />
      )}
    </BlockStack>
  );
}

function PostedPerDayCard({ series }: { series: PostedSeries[] }) {
  return (
    <section aria-label="Posted per day">
      <Card>
        <BlockStack gap="300">
          <InlineStack align="space-between" blockAlign="center">
            <Text as="h2" variant="headingMd">
              Posted per day
            </Text>
            <Text as="span" tone="subdued">
              Last 30 business days
            </Text>
          </InlineStack>
          {series.length === 0 ? (
            <Text as="p" tone="subdued">
              Nothing was posted to QuickBooks in the last 30 days. Once sales are posted, this shows each day&apos;s sales less refunds.
            </Text>
          ) : (
            series.map((one) => {
              const total = one.days.reduce((sum, day) => sum + day.totalMinor, 0);
              return (
                <BlockStack key={one.currency} gap="200">
                  {series.length > 1 && (
                    <Text as="h3" variant="headingSm">
                      In {one.currency}
                    </Text>
                  )}
                  <Text as="p">Sales less refunds: {formatMinorUnits(total, one.currency)} over 30 days.</Text>
                  <PostedPerDayChart series={one} />
                </BlockStack>
              );
            })
          )}
        </BlockStack>
      </Card>
    </section>
  );
}

const DOCUMENT_STATUS: Record<DocumentStatus, { tone: "success" | "info" | "critical"; label: string }> = {
  POSTED: { tone: "success", label: "Posted" },
  PENDING: { tone: "info", label: "Waiting" },
  FAILED: { tone: "critical", label: "Not posted" },
};

function RecentDocumentsCard({ documents }: { documents: AccountingDocumentRow[] }) {
  return (
    <section aria-label="Recent documents">
      <Card padding="0">
        <BlockStack gap="0">
          <div style={{ padding: "var(--p-space-400)" }}>
            <Text as="h2" variant="headingMd">
              Recent documents
            </Text>
          </div>
          {documents.length === 0 ? (
            <div style={{ padding: "0 var(--p-space-400) var(--p-space-400)" }}>
              <Text as="p" tone="subdued">
                No documents yet. Each sale, refund or daily summary sent to QuickBooks shows up here with its number and whether QuickBooks accepted it.
              </Text>
            </div>
          ) : (
            <KeyboardScrollable label="Table of documents">
              <IndexTable
                resourceName={{ singular: "document", plural: "documents" }}
                itemCount={documents.length}
                selectable={false}
                headings={[{ title: "Number" }, { title: "Document" }, { title: "From" }, { title: "Business day" }, { title: "Amount", alignment: "end" }, { title: "Status" }]}
              >
                {documents.map((document, index) => (
                  <IndexTable.Row id={document.id} key={document.id} position={index}>
                    <IndexTable.Cell>
                      <Text as="span" fontWeight="semibold">
                        {document.docNumber}
                      </Text>
                    </IndexTable.Cell>
                    <IndexTable.Cell>
                      <Text as="p">{document.entity}</Text>
                      <Text as="p" tone="subdued">
                        {document.purpose}
                      </Text>
                    </IndexTable.Cell>
                    <IndexTable.Cell>{document.record}</IndexTable.Cell>
                    <IndexTable.Cell>{document.businessDay}</IndexTable.Cell>
                    <IndexTable.Cell>
                      <Text as="span" alignment="end" numeric>
                        {formatMinorUnits(document.amountMinor, document.currency)}
                      </Text>
                    </IndexTable.Cell>
                    <IndexTable.Cell>
                      <Badge tone={DOCUMENT_STATUS[document.status].tone}>{DOCUMENT_STATUS[document.status].label}</Badge>
                      {document.qboId && (
                        <Text as="p" tone="subdued">
                          QuickBooks ID {document.qboId}
                        </Text>
                      )}
                      {document.error && (
                        <Text as="p" tone="critical">
                          {document.error}
                        </Text>
                      )}
                    </IndexTable.Cell>
                  </IndexTable.Row>
                ))}
              </IndexTable>
            </KeyboardScrollable>
          )}
        </BlockStack>
      </Card>
    </section>
  );
}
