import { useFetcher } from "@remix-run/react";
import { Badge, Banner, BlockStack, Button, Card, IndexTable, InlineStack, Layout, Page, Text } from "@shopify/polaris";
import { KeyboardScrollable } from "~/components/KeyboardScrollable";
import { formatMoment } from "~/components/OverviewCards";
import { SyncedPerHourChart } from "~/components/SyncedPerHourChart";
import type { SyncRunStatus } from "~/generated/prisma/enums";
import type { ActivityActionResult, ActivityIssue, ActivityPageData, ActivityRun, SyncedHour } from "~/sync/activity-page.server";

/** The Activity page, shared by the embedded Shopify app and the Square merchant area. */
export function ActivityPage({ runs, issues, syncedPerHour }: ActivityPageData) {
  return (
    <Page title="Activity">
      <Layout>
        <Layout.Section>
          <OpenIssuesCard issues={issues} />
        </Layout.Section>
        <Layout.Section>
          <SyncedPerHourCard hours={syncedPerHour} />
        </Layout.Section>
        <Layout.Section>
          <RecentRunsCard runs={runs} />
        </Layout.Section>
      </Layout>
    </Page>
  );
}

export function OpenIssuesCard({ issues }: { issues: ActivityIssue[] }) {
  const fetcher = useFetcher<ActivityActionResult>();
  const busyIssueId = fetcher.state !== "idle" ? fetcher.formData?.get("issueId") : null;
  const submit = (intent: "retry" | "dismiss", issueId: string) => fetcher.submit({ intent, issueId }, { method: "post" });
  return (
    <section aria-label="Needs your attention">
      <Card>
        <BlockStack gap="400">
          <Text as="h2" variant="headingMd">
            Needs your attention
          </Text>
          {fetcher.state === "idle" && fetcher.data?.message && (
            <Banner tone={fetcher.data.ok ? "success" : "warning"}>
              <p>{fetcher.data.message}</p>
            </Banner>
          )}
          {issues.length === 0 ? (
            <Text as="p" tone="subdued">
              Nothing needs your attention. Problems that stop a record from syncing show up here, with what to do about them.
            </Text>
          ) : (
            <ul aria-label="Open issues" style={{ listStyle: "none", margin: 0, padding: 0, display: "flex", flexDirection: "column", gap: "var(--p-space-400)" }}>
                {issues.map((issue) => (
                  <li key={issue.id} aria-label={issue.record ?? issue.message}>
                    <BlockStack gap="200">
                      <Text as="p" fontWeight="semibold">
                        {issue.message}
                      </Text>
                      <Text as="p" tone="subdued">
                        {issue.record ? `${issue.record} · ` : ""}
                        {issue.occurrences === 1 ? "Happened once" : `Happened ${issue.occurrences} times`} · last seen{" "}
                        <time dateTime={issue.lastSeenAt}>{formatMoment(issue.lastSeenAt)}</time>
                      </Text>
                      <InlineStack gap="200">
                        {issue.canRetry && (
                          <Button loading={busyIssueId === issue.id && fetcher.formData?.get("intent") === "retry"} disabled={busyIssueId != null} onClick={() => submit("retry", issue.id)}>
                            Retry
                          </Button>
                        )}
                        <Button
                          variant="tertiary"
                          loading={busyIssueId === issue.id && fetcher.formData?.get("intent") === "dismiss"}
                          disabled={busyIssueId != null}
                          onClick={() => submit("dismiss", issue.id)}
                        >
                          Dismiss
                        </Button>
                      </InlineStack>
                    </BlockStack>
                  </li>
                ))}
            </ul>
          )}
        </BlockStack>
      </Card>
    </section>
  );
}

export function SyncedPerHourCard({ hours }: { hours: SyncedHour[] }) {
  const total = hours.reduce((sum, hour) => sum + hour.records, 0);
  return (
    <section aria-label="Records synced per hour">
      <Card>
        <BlockStack gap="300">
          <InlineStack align="space-between" blockAlign="center">
            <Text as="h2" variant="headingMd">
              Records synced per hour
            </Text>
            <Text as="span" tone="subdued">
              Last 24 hours, UTC
            </Text>
          </InlineStack>
          <Text as="p" tone={total === 0 ? "subdued" : undefined}>
            {total === 0 ? "No records were synced in the last 24 hours." : `${total.toLocaleString("en-US")} ${total === 1 ? "record" : "records"} synced in the last 24 hours.`}
          </Text>
          <SyncedPerHourChart hours={hours} />
        </BlockStack>
      </Card>
    </section>
  );
}

const RUN_STATUS: Record<SyncRunStatus, { tone: "success" | "warning" | "critical" | "info"; label: string }> = {
  RUNNING: { tone: "info", label: "Running" },
  SUCCEEDED: { tone: "success", label: "Succeeded" },
  PARTIAL: { tone: "warning", label: "Partly failed" },
  FAILED: { tone: "critical", label: "Failed" },
};

const KIND_LABELS: Record<string, string> = {
  INVENTORY: "Inventory",
  ACCOUNTING: "Accounting",
  LOYALTY: "Loyalty",
  "inventory.propagate": "Stock change carried over",
  "inventory.reconcile": "Stock check",
  "inventory.align": "Stock alignment",
};

/** "schedule" → "Schedule", "order-webhook" → "Order webhook". */
function humanize(value: string): string {
  const words = value.replace(/[_.-]+/g, " ").trim().toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** "850 ms", "4.3 s", "2 min 5 s", "1 h 3 min". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
}

export function RecentRunsCard({ runs }: { runs: ActivityRun[] }) {
  return (
    <section aria-label="Recent runs">
      <Card padding="0">
        <BlockStack gap="0">
          <div style={{ padding: "var(--p-space-400)" }}>
            <Text as="h2" variant="headingMd">
              Recent runs
            </Text>
          </div>
          {runs.length === 0 ? (
            <div style={{ padding: "0 var(--p-space-400) var(--p-space-400)" }}>
              <Text as="p" tone="subdued">
                No syncs have run yet. Each run shows up here with the records it read, wrote, skipped and could not sync.
              </Text>
            </div>
          ) : (
            <KeyboardScrollable label="Table of runs">
              <IndexTable
                resourceName={{ singular: "run", plural: "runs" }}
                itemCount={runs.length}
                selectable={false}
                headings={[
                  { title: "Sync" },
                  { title: "Trigger" },
                  { title: "Status" },
                  { title: "Started" },
                  { title: "Duration" },
                  { title: "Read", alignment: "end" },
                  { title: "Written", alignment: "end" },
                  { title: "Skipped", alignment: "end" },
                  { title: "Failed", alignment: "end" },
                ]}
              >
                {runs.map((run, index) => (
                  <IndexTable.Row id={run.id} key={run.id} position={index}>
                    <IndexTable.Cell>
                      <Text as="span" fontWeight="semibold">
                        {KIND_LABELS[run.kind] ?? humanize(run.kind)}
                      </Text>
                      {run.summary && <Text as="p">{run.summary}</Text>}
                      {run.error && (
                        <Text as="p" tone="critical">
                          {run.error}
                        </Text>
                      )}
                    </IndexTable.Cell>
                    <IndexTable.Cell>{humanize(run.trigger)}</IndexTable.Cell>
                    <IndexTable.Cell>
                      <Badge tone={RUN_STATUS[run.status].tone}>{RUN_STATUS[run.status].label}</Badge>
                    </IndexTable.Cell>
                    <IndexTable.Cell>
                      <time dateTime={run.startedAt}>{formatMoment(run.startedAt)}</time>
                    </IndexTable.Cell>
                    <IndexTable.Cell>{run.durationMs === null ? "Still running" : formatDuration(run.durationMs)}</IndexTable.Cell>
                    {([run.read, run.written, run.skipped, run.failed] as const).map((count, column) => (
                      <IndexTable.Cell key={column}>
                        <Text as="span" alignment="end" numeric>
                          {count.toLocaleString("en-US")}
                        </Text>
                      </IndexTable.Cell>
                    ))}
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
