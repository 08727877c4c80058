import net from "node:net";

// Ports from 32768 up are Linux's ephemeral range: every outgoing connection (to Postgres, to a sandbox) takes one,
// so a "random" listening port up there can be taken by the test's own clients between choosing and binding it.
const LOWEST = 10_000;
const HIGHEST = 32_000;

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once("error", () => resolve(false));
    // "::" as the app and the sandboxes listen (dual stack), so a port held on either family counts as taken.
    probe.listen({ port, host: "::", exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/**
 * The first of `count` consecutive ports below the ephemeral range that are free right now (a vendor-sandbox set
 * needs four: Shopify at the base, Square at +2, Intuit at +3). Test files run in parallel, so the base is random.
 */
export async function freePorts(count = 1): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = LOWEST + Math.floor(Math.random() * (HIGHEST - LOWEST - count));
    let free = true;
    for (let offset = 0; offset < count && free; offset++) free = await canListen(base + offset);
    if (free) return base;
  }
  throw new Error(`no ${count} consecutive free ports found between ${LOWEST} and ${HIGHEST}`);
}
