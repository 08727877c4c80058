/**
 * Process entry for every Tillbridge process:
 *   dev     web server with Vite (hot reload) and the job workers, in one process  (npm run dev)
 *   web     production web server; also runs the workers on the embedded database (npm start)
 *   worker  job workers only, any number of copies against PostgreSQL              (npm run worker)
 *
 * The application's server-side modules (configuration, database, runtime, logger) are reached through the
 * Remix server build's entry module, so this file and the routes share one instance of each.
 */
import cluster from "node:cluster";
import { randomUUID } from "node:crypto";
import type { Server } from "node:http";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createRequestHandler } from "@remix-run/express";
import type { ServerBuild } from "@remix-run/node";
import express from "express";
import type * as EntryModule from "../app/entry.server";
import { allowSandboxAdminToFrame } from "./sandbox-framing";
import { superviseWebProcesses, webConcurrency } from "./web-processes";

type Entry = typeof EntryModule;
type Role = "dev" | "web" | "worker";

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
const here = path.dirname(fileURLToPath(import.meta.url));

async function main(role: Role): Promise<void> {
  let entry: Entry;
  let attachApp: (app: express.Express) => Promise<void>;
  let stopDev = async () => {};

  if (role === "dev") {
    const vite = await import("vite");
    const viteServer = await vite.createServer({ server: { middlewareMode: true } });
    // Vite exits the process on SIGTERM (and when stdin ends) on its own, which would cut our graceful
    // shutdown short; this process owns its signals, and closes Vite in stopDev below.
    process.removeAllListeners("SIGTERM");
    process.stdin.removeAllListeners("end");
    stopDev = () => viteServer.close();
    const loadBuild = () => viteServer.ssrLoadModule("virtual:remix/server-build") as Promise<ServerBuild>;
    entry = (await loadBuild()).entry.module as unknown as Entry;
    attachApp = async (app) => {
      app.use(viteServer.middlewares);
      app.all("*", (request, response, next) =>
        loadBuild()
          .then((build) => createRequestHandler({ build, mode: "development" })(request, response, next))
          .catch(next),
      );
    };
  } else {
    const buildPath = path.join(here, "server", "index.js");
    const build = (await import(pathToFileURL(buildPath).href)) as ServerBuild;
    entry = build.entry.module as unknown as Entry;
    attachApp = async (app) => {
      const clientDir = path.join(here, "client");
      app.use("/assets", express.static(path.join(clientDir, "assets"), { immutable: true, maxAge: "1y" }));
      app.use(express.static(clientDir, { maxAge: "1h" }));
      app.all("*", createRequestHandler({ build, mode: "production" }));
    };
  }

  const config = entry.getConfig();
  const { logger } = entry;
  await entry.startRuntime(role === "worker" ? ["worker"] : role === "dev" ? ["web", "worker"] : ["web"]);

  let server: Server | null = null;
  if (role !== "worker") {
    const app = express();
    app.disable("x-powered-by");
    app.use((request, response, next) => {
      const incoming = request.get("x-request-id");
      const requestId = incoming && REQUEST_ID_PATTERN.test(incoming) ? incoming : randomUUID();
      response.setHeader("X-Request-Id", requestId);
      const started = performance.now();
      entry.withLogContext({ requestId }, () => {
        response.on("finish", () => {
          // The path only: query strings carry OAuth codes, states and HMACs.
          logger.info(
            { method: request.method, path: request.originalUrl.split("?")[0], status: response.statusCode, durationMs: Math.round(performance.now() - started) },
            "request",
          );
        });
        next();
      });
    });
    if (config.sandboxed.shopify) app.use(allowSandboxAdminToFrame(new URL(config.sandbox.url).origin));
    await attachApp(app);
    server = await new Promise<Server>((resolve) => {
      const listening = app.listen(config.port, () => resolve(listening));
    });
    logger.info({ url: config.appUrl, port: config.port, role }, "Tillbridge is listening");
    if (role === "dev") console.log(`\n  Tillbridge is running at http://localhost:${config.port}\n`);
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, "second signal: exiting at once");
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, "shutting down: no new requests, draining");
    entry.markDraining();
    const force = setTimeout(() => {
      logger.error("shutdown took too long; exiting");
      process.exit(1);
    }, config.shutdownTimeoutMs + 5_000);
    force.unref();
    if (server) {
      const closed = new Promise<void>((resolve) => server!.close(() => resolve()));
      server.closeIdleConnections();
      const drainDeadline = setTimeout(() => server!.closeAllConnections(), config.shutdownTimeoutMs);
      await closed;
      clearTimeout(drainDeadline);
    }
    await entry.stopRuntime();
    await stopDev();
    logger.info("stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

const role = process.argv[2] as Role | undefined;
if (role !== "dev" && role !== "web" && role !== "worker") {
  console.error("Usage: main.ts dev|web|worker");
  process.exit(2);
}

function run(processRole: Role): Promise<void> {
  if (processRole !== "web" || !cluster.isPrimary) return main(processRole);
  const count = webConcurrency(process.env);
  return count > 1 ? superviseWebProcesses(count) : main(processRole);
}

run(role).catch((error: unknown) => {
  // Configuration and lock problems are the operator's to fix: one line, no stack trace.
  if (error instanceof Error && (error.name === "ConfigError" || error.name === "DatabaseLockedError" || error.message.startsWith("Invalid configuration:"))) {
    console.error(error.message);
  } else {
    console.error("Tillbridge failed to start:", error);
  }
  process.exit(1);
});
