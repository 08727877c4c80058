/** Liveness: the process answers. Says nothing about the database (that is /readyz). */
export const loader = () =>
  Response.json({ status: "ok" }, { headers: { "Cache-Control": "no-store" } });
