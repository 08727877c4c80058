import { AppProvider, Banner, BlockStack, Button, Card, Page, Text } from "@shopify/polaris";
import enTranslations from "@shopify/polaris/locales/en.json";

/** What a merchant sees when a vendor's consent flow could not finish: what happened, and the way back. */
export function ConnectionResultPage({ title, message, returnTo }: { title: string; message: string; returnTo: string | null }) {
  return (
    <AppProvider i18n={enTranslations}>
      <Page narrowWidth>
        <main>
          <Card>
            <BlockStack gap="400">
              <Text as="h1" variant="headingLg">
                {title}
              </Text>
              <Banner tone="warning">
                <p>{message}</p>
              </Banner>
              {returnTo && (
                <Button variant="primary" url={returnTo}>
                  Back to Connections
                </Button>
              )}
            </BlockStack>
          </Card>
        </main>
      </Page>
    </AppProvider>
  );
}
