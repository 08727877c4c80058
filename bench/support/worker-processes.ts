import { spawn, type ChildProcess } from "node:child_process";
import { withoutVitestVariables } from "../../tests/support/dev-server";

/** How much of a worker's output is kept for a report when something goes wrong. */
const KEPT_OUTPUT_CHARS = 20_000;

export interface WorkerProcess {
  child: ChildProcess;
  /** The last part of what the process wrote (stdout and stderr). */
  output(): string;
  /** SIGKILL, as a machine that loses the process would; resolves once it has exited. */
  kill(): Promise<void>;
  /** SIGTERM (the runtime drains its jobs), then SIGKILL if it is still there after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/**
 * A separate job-worker process (tests/support/worker-main.ts: the app's runtime in the worker role) with this
 * process's configuration plus `env`, started and ready: it has said "worker ready", so its job queue is working.
 */
export async function startWorkerProcess(env: Record<string, string> = {}, timeoutMs = 120_000): Promise<WorkerProcess> {
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-KEPT_OUTPUT_CHARS);
  };
  const child = spawn(process.execPath, ["--import", "tsx", "tests/support/worker-main.ts"], {
    // @remix-run/node's globals declare NODE_ENV required in ProcessEnv; a child's environment may leave it out.
    env: { ...withoutVitestVariables(process.env), ...env } as unknown as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const worker: WorkerProcess = {
    child,
    output: () => output,
    async kill() {
      child.kill("SIGKILL");
      await exited(child);
    },
    async stop(graceMs = 20_000) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited(child);
      clearTimeout(timer);
    },
  };
  const deadline = Date.now() + timeoutMs;
  while (!output.includes("worker ready")) {
    if (child.exitCode !== null) throw new Error(`the worker process exited (code ${child.exitCode}) before it was ready:\n${output}`);
    if (Date.now() > deadline) {
      await worker.kill();
      throw new Error(`the worker process was not ready within ${timeoutMs / 1000} s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return worker;
}
