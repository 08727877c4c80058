import { Link as RemixLink } from "@remix-run/react";
import { BlockStack, Card, InlineStack, Layout, Page, Text } from "@shopify/polaris";
import { ConnectionStatusBadge } from "~/components/ConnectionStatusBadge";
import type { ConnectionStatus } from "~/generated/prisma/enums";

/** The Overview page, shared by the embedded Shopify app and the Square merchant area. */

export function OverviewPage(props: {
  accountName: string;
  /** One subdued line about the account (the shop's domain and currency, the Square seller). */
  accountDetails: string;
  memberSince: string;
  connections: ConnectionOverview[];
  connectionsUrl: string;
  events: { id: string; description: string; at: string }[];
}) {
  return (
    <Page title="Overview">
      <Layout>
        <Layout.Section>
          <Card>
            <BlockStack gap="200">
              <Text as="h2" variant="headingMd">
                {props.accountName}
              </Text>
              <Text as="p" tone="subdued">
                {props.accountDetails}
              </Text>
              <Text as="p" tone="subdued">
                Using Tillbridge since <time dateTime={props.memberSince}>{formatMoment(props.memberSince)}</time>
              </Text>
            </BlockStack>
          </Card>
        </Layout.Section>
        <Layout.Section>
          <ConnectionsOverviewCard connections={props.connections} manageUrl={props.connectionsUrl} />
        </Layout.Section>
        <Layout.Section>
          <RecentEventsCard events={props.events} />
        </Layout.Section>
      </Layout>
    </Page>
  );
}

export interface ConnectionOverview {
  provider: "SHOPIFY" | "SQUARE" | "QUICKBOOKS";
  name: string;
  role: string;
  status: ConnectionStatus | "NOT_CONNECTED";
  account: string | null;
}

export function ConnectionsOverviewCard({ connections, manageUrl }: { connections: ConnectionOverview[]; manageUrl: string }) {
  const connectedCount = connections.filter((connection) => connection.status === "ACTIVE").length;
  return (
    <Card>
      <BlockStack gap="400">
        <InlineStack align="space-between">
          <Text as="h2" variant="headingMd">
            Connections
          </Text>
          <Text as="span" tone="subdued">
            {connectedCount} of {connections.length} connected
          </Text>
        </InlineStack>
        <ul aria-label="Connections" style={{ listStyle: "none", margin: 0, padding: 0 }}>
          {connections.map((connection) => (
            <li key={connection.provider} aria-label={connection.name}>
              <InlineStack align="space-between" blockAlign="center">
                <BlockStack gap="050">
                  <Text as="h3" variant="headingSm">
                    {connection.name}
                  </Text>
                  <Text as="p" tone="subdued">
                    {connection.account ? `${connection.account} · ` : ""}
                    {connection.role}
                  </Text>
                </BlockStack>
                <ConnectionStatusBadge status={connection.status} />
              </InlineStack>
            </li>
          ))}
        </ul>
        {connectedCount < connections.length && (
          <Text as="p">
            <RemixLink to={manageUrl}>Manage connections</RemixLink>
          </Text>
        )}
      </BlockStack>
    </Card>
  );
}

export function RecentEventsCard({ events }: { events: { id: string; description: string; at: string }[] }) {
  return (
    <Card>
      <BlockStack gap="300">
        <Text as="h2" variant="headingMd">
          Recent events
        </Text>
        {events.length === 0 ? (
          <Text as="p" tone="subdued">
            Nothing yet.
          </Text>
        ) : (
          <ul aria-label="Recent events">
            {events.map((event) => (
              <li key={event.id}>
                <Text as="span">{event.description}</Text>{" "}
                <Text as="span" tone="subdued">
                  · <time dateTime={event.at}>{formatMoment(event.at)}</time>
                </Text>
              </li>
            ))}
          </ul>
        )}
      </BlockStack>
    </Card>
  );
}

/** Shown in UTC so the server render and the browser agree; the merchant's time zone comes with Settings. */
export function formatMoment(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}
