import fs from "node:fs";
import { parse } from "smol-toml";
import { z } from "zod";

/**
 * The parts of shopify.app.toml that Shopify itself acts on for an app with managed installation: the access
 * scopes granted on install, and the app-specific webhook subscriptions (including the compliance topics).
 */
export interface WebhookSubscription {
  topics: string[];
  /** As written in the toml: a path relative to the app URL, or an absolute URL. */
  uri: string;
}

export interface AppConfig {
  scopes: string[];
  webhookApiVersion: string;
  subscriptions: WebhookSubscription[];
}

const tomlSchema = z.object({
  access_scopes: z.object({ scopes: z.string().default("") }).optional(),
  webhooks: z
    .object({
      api_version: z.string(),
      subscriptions: z
        .array(
          z.object({
            uri: z.string().min(1),
            topics: z.array(z.string()).default([]),
            compliance_topics: z.array(z.string()).default([]),
          }),
        )
        .default([]),
    })
    .optional(),
});

export function readAppConfig(tomlPath: string): AppConfig {
  if (!fs.existsSync(tomlPath)) {
    throw new Error(`Shopify sandbox: ${tomlPath} not found (it declares the app's access scopes and webhook subscriptions)`);
  }
  const parsed = tomlSchema.safeParse(parse(fs.readFileSync(tomlPath, "utf8")));
  if (!parsed.success) {
    throw new Error(`Shopify sandbox: ${tomlPath} is not a valid app configuration: ${z.prettifyError(parsed.error)}`);
  }
  const { access_scopes, webhooks } = parsed.data;
  return {
    scopes: (access_scopes?.scopes ?? "")
      .split(",")
      .map((scope) => scope.trim())
      .filter(Boolean),
    webhookApiVersion: webhooks?.api_version ?? "2026-10",
    // Shopify delivers compliance topics exactly like the others, to the subscription's uri.
    subscriptions: (webhooks?.subscriptions ?? []).map((subscription) => ({
      uri: subscription.uri,
      topics: [...subscription.topics, ...subscription.compliance_topics],
    })),
  };
}
