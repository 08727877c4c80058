import { redirect, type ActionFunctionArgs } from "@remix-run/node";
import { db } from "~/db.server";
import { closeMerchantSession, SQUARE_SIGN_IN_PATH } from "~/security/merchant-session.server";

export const action = async ({ request }: ActionFunctionArgs) => {
  throw redirect(`${SQUARE_SIGN_IN_PATH}?signed-out=1`, { headers: { "Set-Cookie": await closeMerchantSession(db(), request) } });
};

export const loader = () => redirect(SQUARE_SIGN_IN_PATH);
