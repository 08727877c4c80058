import { redirect, type LoaderFunctionArgs } from "@remix-run/node";
import { db } from "~/db.server";
import { startSquareSignIn } from "~/integrations/connections/flow.server";

// The install URL listed on the Square App Marketplace: straight to Square's consent page. The callback creates
// the merchant's Tillbridge account (or signs in to the existing one) and opens the Square merchant area.
export const loader = async (_args: LoaderFunctionArgs) => {
  throw redirect(await startSquareSignIn(db()));
};
