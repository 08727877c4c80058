/**
 * Runs the Square sandbox on its own: `npx tsx sandbox/square/main.ts`.
 * Environment: SQUARE_SANDBOX_PORT (3102), APP_URL (http://localhost:3000), SQUARE_APPLICATION_ID /
 * SQUARE_APPLICATION_SECRET / SQUARE_WEBHOOK_SIGNATURE_KEY (default: the constants in credentials.ts).
 */
import { SANDBOX_SQUARE_APPLICATION_ID, SANDBOX_SQUARE_APPLICATION_SECRET, SANDBOX_SQUARE_WEBHOOK_SIGNATURE_KEY } from "./credentials";
import { startSquareSandbox } from "./index";

const sandbox = await startSquareSandbox({
  port: Number(process.env.SQUARE_SANDBOX_PORT ?? 3102),
  appUrl: process.env.APP_URL ?? "http://localhost:3000",
  applicationId: process.env.SQUARE_APPLICATION_ID || SANDBOX_SQUARE_APPLICATION_ID,
  applicationSecret: process.env.SQUARE_APPLICATION_SECRET || SANDBOX_SQUARE_APPLICATION_SECRET,
  webhookSignatureKey: process.env.SQUARE_WEBHOOK_SIGNATURE_KEY || SANDBOX_SQUARE_WEBHOOK_SIGNATURE_KEY,
});
console.log(`Square sandbox on ${sandbox.url} · SDK: new SquareClient({ token, baseUrl: "${sandbox.url}" })`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void sandbox.close().then(() => process.exit(0));
  });
}
