import { Banner, Button } from "@shopify/polaris";
import { StandalonePage } from "./StandalonePage";

/** What a merchant sees when a vendor's consent flow could not finish: what happened, and the way back. */
export function ConnectionResultPage({ title, message, returnTo }: { title: string; message: string; returnTo: string | null }) {
  return (
    <StandalonePage title={title}>
      <Banner tone="warning">
        <p>{message}</p>
      </Banner>
      {returnTo && (
        <Button variant="primary" url={returnTo}>
          Back to Connections
        </Button>
      )}
    </StandalonePage>
  );
}
