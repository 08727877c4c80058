import { spawn, type ChildProcess } from "node:child_process";

/**
 * Starts `server/main.ts` (the real process entry) in a child process, as `npm run dev` does, and waits until
 * /readyz answers 200. Used by tests that need a whole process: crash and restart, shutdown, request logs.
 */
export interface RunningServer {
  child: ChildProcess;
  baseUrl: string;
  output(): string;
  exited: Promise<number | null>;
}

type Environment = Record<string, string | undefined>;

export function withoutVitestVariables(env: Environment): Environment {
  // VITEST* would make vite.config.ts leave out the Remix plugin.
  return Object.fromEntries(Object.entries(env).filter(([key]) => !key.startsWith("VITEST")));
}

// @remix-run/node's globals declare NODE_ENV as required in ProcessEnv; a child's environment may leave it out.
function childEnvironment(env: Environment): NodeJS.ProcessEnv {
  return env as unknown as NodeJS.ProcessEnv;
}

export async function startServerProcess(options: { env: Environment; port: number; role?: "dev" | "web" }): Promise<RunningServer> {
  let output = "";
  const child = spawn(process.execPath, ["--import", "tsx", "server/main.ts", options.role ?? "dev"], {
    env: childEnvironment({ ...withoutVitestVariables(process.env), LOG_LEVEL: "info", ...options.env, PORT: String(options.port) }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const baseUrl = `http://127.0.0.1:${options.port}`;
  // A dev server compiles on start: on a busy two-core machine that alone can take most of a minute.
  const deadline = Date.now() + 150_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${output}`);
    const ready = await fetch(`${baseUrl}/readyz`).then((response) => response.ok, () => false);
    if (ready) return { child, baseUrl, output: () => output, exited };
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`server not ready in time:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
