import { timingSafeEqual } from "node:crypto";
import type { LoaderFunctionArgs } from "@remix-run/node";
import { getConfig } from "~/config.server";
import { db } from "~/db.server";
import { renderMetrics } from "~/observability/metrics.server";

// Prometheus scrapes this with `Authorization: Bearer $METRICS_TOKEN`; without the token nothing is shown.
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const token = getConfig().metricsToken;
  if (!token) return new Response("Metrics are off: set METRICS_TOKEN to turn them on.", { status: 404 });
  const given = Buffer.from(request.headers.get("authorization")?.replace(/^Bearer /, "") ?? "");
  const expected = Buffer.from(token);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return new Response("A bearer token is required.", { status: 401, headers: { "WWW-Authenticate": "Bearer" } });
  }
  return new Response(await renderMetrics(db()), { headers: { "Content-Type": "text/plain; version=0.0.4; charset=utf-8", "Cache-Control": "no-store" } });
};
