import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { FeatureNotAvailable } from "~/components/FeatureNotAvailable";
import { UPCOMING_FEATURES } from "~/features/upcoming";
import { requireShopifyTenant } from "~/integrations/shopify/embedded-session.server";

// Navigation entries whose feature is not built yet (see app/features/upcoming.ts).
export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  await requireShopifyTenant(request);
  const feature = UPCOMING_FEATURES[params.feature ?? ""];
  if (!feature) throw new Response("This page does not exist.", { status: 404 });
  return feature;
};

export default function UpcomingFeature() {
  const feature = useLoaderData<typeof loader>();
  return <FeatureNotAvailable {...feature} />;
}
