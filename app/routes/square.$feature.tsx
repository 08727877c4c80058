import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { FeatureNotAvailable } from "~/components/FeatureNotAvailable";
import { db } from "~/db.server";
import { UPCOMING_FEATURES } from "~/features/upcoming";
import { requireSquareMerchant } from "~/security/merchant-session.server";

// Navigation entries of the Square merchant area whose feature is not built yet (see app/features/upcoming.ts).
export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  await requireSquareMerchant(db(), request);
  const feature = UPCOMING_FEATURES[params.feature ?? ""];
  if (!feature) throw new Response("This page does not exist.", { status: 404 });
  return feature;
};

export default function UpcomingFeature() {
  const feature = useLoaderData<typeof loader>();
  return <FeatureNotAvailable {...feature} />;
}
