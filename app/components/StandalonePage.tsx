import type { ReactNode } from "react";
import { AppProvider, BlockStack, Card, Page, Text } from "@shopify/polaris";
import enTranslations from "@shopify/polaris/locales/en.json";

/** A plain Polaris page outside the embedded admin (OAuth callbacks, Intuit's URLs): a title and its content. */
export function StandalonePage({ title, children }: { title: string; children: ReactNode }) {
  return (
    <AppProvider i18n={enTranslations}>
      <Page narrowWidth>
        <main>
          <Card>
            <BlockStack gap="400">
              <Text as="h1" variant="headingLg">
                {title}
              </Text>
              {children}
            </BlockStack>
          </Card>
        </main>
      </Page>
    </AppProvider>
  );
}

/** A standalone page of a few paragraphs. */
export function InformationPage({ title, paragraphs }: { title: string; paragraphs: string[] }) {
  return (
    <StandalonePage title={title}>
      {paragraphs.map((paragraph) => (
        <Text as="p" key={paragraph}>
          {paragraph}
        </Text>
      ))}
    </StandalonePage>
  );
}
