import { checkReadiness } from "~/runtime.server";

/** Readiness: database reachable, migrations applied, job queue running, and not shutting down. */
export const loader = async () => {
  const report = await checkReadiness();
  return Response.json(report, { status: report.ready ? 200 : 503, headers: { "Cache-Control": "no-store" } });
};
