/**
 * A bare job-worker process for tests that kill workers: the app's runtime in the worker role, nothing else
 * (server/main.ts's worker role needs the production build). Run with `node --import tsx`; configuration comes
 * from the environment, as for any Tillbridge process.
 */
import { startRuntime } from "~/runtime.server";

await startRuntime(["worker"]);
console.log("worker ready");
