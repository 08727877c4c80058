import { AsyncLocalStorage } from "node:async_hooks";
import pino, { type DestinationStream, type Logger } from "pino";

/**
 * JSON logs with the context of the work in hand (request id, tenant, job, run) added to every line, and
 * secrets removed before a line is written.
 *
 * Redaction is by key name, at any depth: a field whose name says token, secret, password, authorization,
 * cookie or key-ish is replaced. On top of that, values registered with registerSecretValue (the app's own
 * client secrets) are scrubbed from every string, so one pasted into an error message is caught too.
 */

export interface LogContext {
  requestId?: string;
  tenantId?: string;
  jobId?: string;
  jobName?: string;
  runId?: string;
}

const contextStorage = new AsyncLocalStorage<LogContext>();

export function withLogContext<T>(context: LogContext, work: () => T): T {
  return contextStorage.run({ ...contextStorage.getStore(), ...context }, work);
}

export function currentLogContext(): LogContext {
  return contextStorage.getStore() ?? {};
}

const SENSITIVE_KEY = /(token|secret|password|passwd|authorization|cookie|api[-_]?key|client[-_]?secret|signature|credential|private[-_]?key|encryption[-_]?keys?)/i;
export const REDACTED = "[redacted]";
const secretValues = new Set<string>();

/** Scrub this exact value from all future log lines (used for configured client secrets). */
export function registerSecretValue(value: string | undefined | null): void {
  if (value && value.length >= 8) secretValues.add(value);
}

function scrubString(value: string): string {
  let result = value;
  for (const secret of secretValues) {
    if (result.includes(secret)) result = result.split(secret).join(REDACTED);
  }
  // Bearer tokens in free text, e.g. an echoed Authorization header inside an error message.
  return result.replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g, `$1 ${REDACTED}`);
}

export function redactForLog(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === "string") return scrubString(value);
  if (value === null || typeof value !== "object") return value;
  if (depth > 8 || seen.has(value)) return "[depth]";
  seen.add(value);
  if (value instanceof Error) {
    return { type: value.name, message: scrubString(value.message), stack: value.stack ? scrubString(value.stack) : undefined };
  }
  if (Array.isArray(value)) return value.map((item) => redactForLog(item, depth + 1, seen));
  if (value instanceof Headers) return redactForLog(Object.fromEntries(value.entries()), depth, seen);
  const output: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    output[key] = SENSITIVE_KEY.test(key) && item !== null && item !== undefined ? REDACTED : redactForLog(item, depth + 1, seen);
  }
  return output;
}

export function createLogger(options: { level?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? "info",
      base: { service: "tillbridge" },
      timestamp: pino.stdTimeFunctions.isoTime,
      messageKey: "msg",
      mixin: () => ({ ...currentLogContext() }),
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => redactForLog(object) as Record<string, unknown>,
      },
      hooks: {
        // The message itself may carry a secret (e.g. an upstream error echoing a token).
        logMethod(args, method) {
          const scrubbed = args.map((argument) => (typeof argument === "string" ? scrubString(argument) : argument));
          return method.apply(this, scrubbed as Parameters<typeof method>);
        },
      },
    },
    // process.stdout rather than pino's direct file-descriptor writer: the same bytes, and tests can see them.
    options.destination ?? process.stdout,
  );
}

export const logger: Logger = createLogger();
