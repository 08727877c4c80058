import { Banner, Box } from "@shopify/polaris";

/** Shown on every page of a merchant area while a connection has lost its authorization. */
export function ReconnectBanner({ providers, connectionsUrl }: { providers: string[]; connectionsUrl: string }) {
  if (providers.length === 0) return null;
  const names = providers.join(" and ");
  return (
    <Box padding="400">
      <Banner tone="critical" title={`${names} needs to be reconnected`} action={{ content: "Open Connections", url: connectionsUrl }}>
        Tillbridge can no longer reach {names} with the authorization it had, so syncing with it is paused. Nothing is lost: it resumes where it stopped
        once you reconnect.
      </Banner>
    </Box>
  );
}
