import { useFetcher } from "@remix-run/react";
import { Banner, BlockStack, Button, Card, InlineStack, Text } from "@shopify/polaris";
import { useEffect } from "react";
import { ConnectionStatusBadge } from "~/components/ConnectionStatusBadge";
import type { ConnectionActionResult, ConnectionSummary } from "~/integrations/connections/connections-page.server";

/**
 * One vendor on a Connections page: status, account, last check, and Connect / Reconnect / Test / Disconnect.
 * The vendor's consent page cannot be shown inside the Shopify admin's frame, so it opens in the whole window
 * (which is the same window outside the admin).
 */
export function VendorConnectionCard(props: { provider: "SQUARE" | "QUICKBOOKS"; name: string; purpose: string; connectLabel: string; connection: ConnectionSummary | null }) {
  const fetcher = useFetcher<ConnectionActionResult>();
  const { connection } = props;
  const busy = fetcher.state !== "idle";
  const connected = connection !== null && connection.status !== "DISCONNECTED";
  const endingSoon = connection?.authorizationEndsSoon ?? false;

  useEffect(() => {
    if (fetcher.data?.authorizeUrl) window.open(fetcher.data.authorizeUrl, "_top");
  }, [fetcher.data?.authorizeUrl]);

  const submit = (intent: "connect" | "disconnect" | "test") => fetcher.submit({ intent, provider: props.provider }, { method: "post" });

  return (
    <section aria-label={props.name}>
      <Card>
        <BlockStack gap="300">
          <InlineStack align="space-between" blockAlign="center">
            <Text as="h2" variant="headingMd">
              {props.name}
            </Text>
            <ConnectionStatusBadge status={connection?.status ?? "NOT_CONNECTED"} />
          </InlineStack>
          <Text as="p">{connected ? `Account: ${connection.account}` : props.purpose}</Text>
          {connection?.status === "NEEDS_REAUTH" && (
            <Banner tone="critical" title={`${props.name} needs to be reconnected`}>
              <p>{connection.lastError ?? `Tillbridge can no longer reach ${props.name}. Reconnect to resume syncing.`}</p>
            </Banner>
          )}
          {connected && connection.lastCheckedAt && (
            <Text as="p" tone="subdued">
              Last checked {connection.lastCheckedAt.slice(0, 16).replace("T", " ")} UTC{connection.lastError ? `: ${connection.lastError}` : ""}
            </Text>
          )}
          {connected && connection.refreshTokenExpiresAt && !endingSoon && (
            <Text as="p" tone="subdued">
              Authorization valid until {connection.refreshTokenExpiresAt.slice(0, 10)}; Tillbridge renews it automatically where {props.name} allows.
            </Text>
          )}
          {connected && connection.status !== "NEEDS_REAUTH" && endingSoon && (
            <Banner tone="warning" title={`${props.name}'s authorization ends on ${connection.refreshTokenExpiresAt!.slice(0, 10)}`}>
              <p>It cannot be renewed past that date. Reconnect {props.name} before then so syncing does not stop.</p>
            </Banner>
          )}
          {fetcher.data?.message && (
            <Banner tone={fetcher.data.ok === false ? "warning" : "info"}>
              <p>{fetcher.data.message}</p>
            </Banner>
          )}
          <InlineStack gap="200">
            {(!connected || connection.status === "NEEDS_REAUTH" || endingSoon) && (
              <Button variant="primary" loading={busy} onClick={() => submit("connect")}>
                {connected ? `Reconnect ${props.name}` : props.connectLabel}
              </Button>
            )}
            {connected && (
              <>
                <Button disabled={busy} onClick={() => submit("test")}>
                  Test connection
                </Button>
                <Button tone="critical" disabled={busy} onClick={() => submit("disconnect")}>
                  Disconnect
                </Button>
              </>
            )}
          </InlineStack>
        </BlockStack>
      </Card>
    </section>
  );
}

/** The Square and QuickBooks cards with the same words in both merchant areas. */
export function SquareConnectionCard({ connection }: { connection: ConnectionSummary | null }) {
  return <VendorConnectionCard provider="SQUARE" name="Square" purpose="Connect your Square point of sale to sync in-store sales and stock." connectLabel="Connect Square" connection={connection} />;
}

export function QuickBooksConnectionCard({ connection }: { connection: ConnectionSummary | null }) {
  return (
    <VendorConnectionCard
      provider="QUICKBOOKS"
      name="QuickBooks Online"
      purpose="Connect QuickBooks Online to post sales, refunds and fees to your books."
      connectLabel="Connect to QuickBooks"
      connection={connection}
    />
  );
}
