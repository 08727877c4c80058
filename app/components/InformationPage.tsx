import { AppProvider, BlockStack, Card, Page, Text } from "@shopify/polaris";
import enTranslations from "@shopify/polaris/locales/en.json";

/** A plain standalone page (outside the embedded admin) with a title and a few paragraphs. */
export function InformationPage({ title, paragraphs }: { title: string; paragraphs: string[] }) {
  return (
    <AppProvider i18n={enTranslations}>
      <Page narrowWidth>
        <main>
          <Card>
            <BlockStack gap="300">
              <Text as="h1" variant="headingLg">
                {title}
              </Text>
              {paragraphs.map((paragraph) => (
                <Text as="p" key={paragraph}>
                  {paragraph}
                </Text>
              ))}
            </BlockStack>
          </Card>
        </main>
      </Page>
    </AppProvider>
  );
}
