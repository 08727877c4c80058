import { BlockStack, Card, EmptyState, Page, Text } from "@shopify/polaris";

/** A page for a feature that does not exist yet: says so plainly, and what it will do. */
export function FeatureNotAvailable({ title, summary, plan }: { title: string; summary: string; plan: string[] }) {
  return (
    <Page title={title}>
      <Card>
        <EmptyState heading={`${title} is not available yet`} image="">
          <BlockStack gap="200">
            <Text as="p">{summary}</Text>
            <Text as="p" tone="subdued">
              Nothing is synced for this feature today. When it arrives you will be able to:
            </Text>
            <ul>
              {plan.map((item) => (
                <li key={item}>
                  <Text as="span">{item}</Text>
                </li>
              ))}
            </ul>
          </BlockStack>
        </EmptyState>
      </Card>
    </Page>
  );
}
