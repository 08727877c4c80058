import type { PrismaClient } from "~/db.server";

/**
 * Prometheus metrics, in the text exposition format (version 0.0.4), for `/metrics`. Counters and histograms
 * live in this process; queue figures are read from the database at each scrape, so every web process reports
 * the same queue. Label values come from code (provider, job type, outcome), never from requests, so the
 * number of series stays bounded.
 */

type Labels = Record<string, string>;

interface CounterSeries {
  labels: Labels;
  value: number;
}

interface HistogramSeries {
  labels: Labels;
  buckets: number[];
  sum: number;
  count: number;
}

const JOB_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

class Counter {
  private readonly series = new Map<string, CounterSeries>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  inc(labels: Labels, by = 1): void {
    const key = labelKey(labels);
    const existing = this.series.get(key);
    if (existing) existing.value += by;
    else this.series.set(key, { labels, value: by });
  }
  render(): string[] {
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`, ...[...this.series.values()].map((s) => `${this.name}${formatLabels(s.labels)} ${s.value}`)];
  }
}

class Histogram {
  private readonly series = new Map<string, HistogramSeries>();
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly bounds: number[],
  ) {}
  observe(labels: Labels, value: number): void {
    const key = labelKey(labels);
    let series = this.series.get(key);
    if (!series) {
      series = { labels, buckets: this.bounds.map(() => 0), sum: 0, count: 0 };
      this.series.set(key, series);
    }
    this.bounds.forEach((bound, index) => {
      if (value <= bound) series.buckets[index]! += 1;
    });
    series.sum += value;
    series.count += 1;
  }
  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const series of this.series.values()) {
      this.bounds.forEach((bound, index) => lines.push(`${this.name}_bucket${formatLabels({ ...series.labels, le: String(bound) })} ${series.buckets[index]}`));
      lines.push(`${this.name}_bucket${formatLabels({ ...series.labels, le: "+Inf" })} ${series.count}`);
      lines.push(`${this.name}_sum${formatLabels(series.labels)} ${series.sum}`);
      lines.push(`${this.name}_count${formatLabels(series.labels)} ${series.count}`);
    }
    return lines;
  }
}

function labelKey(labels: Labels): string {
  return Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => `${key}=${value}`)
    .join(",");
}

function formatLabels(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return "";
  return `{${entries.map(([key, value]) => `${key}="${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`).join(",")}}`;
}

const webhooks = new Counter("tillbridge_webhooks_total", "Webhook deliveries by provider and outcome (stored, duplicate, rejected).");
const jobs = new Counter("tillbridge_jobs_total", "Job runs by type and outcome (completed, rescheduled, paused, issue, failed, deadletter).");
const jobDuration = new Histogram("tillbridge_job_duration_seconds", "How long job runs took, by type and outcome.", JOB_DURATION_BUCKETS);
const vendorCalls = new Counter("tillbridge_vendor_calls_total", "Calls to vendor APIs by provider and outcome (ok, error, rate_limited).");
const budgetWaits = new Counter("tillbridge_vendor_budget_waits_total", "Vendor calls that found no budget or no free slot and were rescheduled, by provider.");

export type WebhookOutcome = "stored" | "duplicate" | "rejected";

export function countWebhook(provider: string, outcome: WebhookOutcome, reason?: "signature" | "too_large" | "malformed"): void {
  webhooks.inc(reason ? { provider, outcome, reason } : { provider, outcome });
}

export function observeJob(type: string, outcome: string, seconds: number): void {
  jobs.inc({ type, outcome });
  jobDuration.observe({ type, outcome }, seconds);
}

export function countVendorCall(provider: string, outcome: "ok" | "error" | "rate_limited"): void {
  vendorCalls.inc({ provider, outcome });
}

export function countBudgetWait(provider: string): void {
  budgetWaits.inc({ provider });
}

/** Queue depth and the age of the oldest waiting job, per queue, read from pg-boss's table. */
async function renderQueueGauges(db: PrismaClient): Promise<string[]> {
  const rows = await db.$queryRaw<{ name: string; depth: bigint; oldest_seconds: number | null }[]>`
    SELECT name, count(*) AS depth, EXTRACT(EPOCH FROM now() - min(created_on))::float8 AS oldest_seconds
    FROM pgboss.job WHERE state IN ('created', 'retry') GROUP BY name ORDER BY name`;
  return [
    "# HELP tillbridge_queue_depth Jobs waiting to run, per queue.",
    "# TYPE tillbridge_queue_depth gauge",
    ...rows.map((row) => `tillbridge_queue_depth${formatLabels({ queue: row.name })} ${Number(row.depth)}`),
    "# HELP tillbridge_queue_oldest_job_age_seconds Age of the oldest job waiting to run, per queue.",
    "# TYPE tillbridge_queue_oldest_job_age_seconds gauge",
    ...rows.map((row) => `tillbridge_queue_oldest_job_age_seconds${formatLabels({ queue: row.name })} ${row.oldest_seconds ?? 0}`),
  ];
}

export async function renderMetrics(db: PrismaClient): Promise<string> {
  const lines = [webhooks, jobs, jobDuration, vendorCalls, budgetWaits].flatMap((metric) => metric.render());
  lines.push(...(await renderQueueGauges(db)));
  return `${lines.join("\n")}\n`;
}
