import cluster, { type Worker } from "node:cluster";

/**
 * `WEB_CONCURRENCY=N npm start`: N web processes sharing the port, one per core (a Node process serves requests
 * on one core). The primary only supervises: it starts one process first (so a pending migration runs once),
 * then the rest, replaces one that dies, and passes SIGTERM/SIGINT on for a graceful shutdown of all. Only on
 * PostgreSQL: the embedded database admits one process.
 */
export function webConcurrency(environment: Record<string, string | undefined>): number {
  const raw = environment.WEB_CONCURRENCY?.trim();
  if (!raw) return 1;
  const count = Number(raw);
  if (!Number.isInteger(count) || count < 1 || count > 64) throw new Error("Invalid configuration: WEB_CONCURRENCY must be a whole number from 1 to 64.");
  if (count > 1 && !environment.DATABASE_URL) throw new Error("Invalid configuration: WEB_CONCURRENCY above 1 needs DATABASE_URL (the embedded database admits one process).");
  return count;
}

export async function superviseWebProcesses(count: number): Promise<void> {
  // Each process accepts its own connections; the kernel spreads them, and the primary stays out of the path.
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  let stopping = false;
  const start = () =>
    new Promise<Worker>((resolve, reject) => {
      const worker = cluster.fork();
      worker.once("listening", () => resolve(worker));
      worker.once("exit", (code) => reject(new Error(`a web process exited during start (code ${code})`)));
    });

  await start();
  await Promise.all(Array.from({ length: count - 1 }, start));
  console.log(JSON.stringify({ level: "info", time: new Date().toISOString(), service: "tillbridge", webProcesses: count, msg: "web processes started" }));

  cluster.on("exit", (worker, code, signal) => {
    if (stopping) return;
    console.error(JSON.stringify({ level: "error", time: new Date().toISOString(), service: "tillbridge", pid: worker.process.pid, code, signal, msg: "a web process died; starting another" }));
    cluster.fork();
  });
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    const workers = Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => worker !== undefined);
    let left = workers.length;
    if (left === 0) process.exit(0);
    for (const worker of workers) {
      worker.once("exit", () => {
        left -= 1;
        if (left === 0) process.exit(0);
      });
      worker.process.kill(signal);
    }
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}
