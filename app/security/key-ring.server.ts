import type { AppConfig } from "~/config.server";
import { ConfigError } from "~/config.server";
import { EncryptionError, loadOrCreateEmbeddedKeySpec, parseKeyRing, type KeyRing } from "./encryption.server";

let cached: KeyRing | undefined;

/**
 * The process's key ring: ENCRYPTION_KEYS when set; on the embedded default, the key kept under the data dir.
 * A malformed ring is a configuration error, reported at start like any other.
 */
export function resolveKeyRing(config: AppConfig): KeyRing {
  if (config.encryptionKeys === null && config.database.kind === "postgres") {
    throw new ConfigError("Invalid configuration: ENCRYPTION_KEYS is required when DATABASE_URL is set. See .env.example.");
  }
  try {
    return parseKeyRing(config.encryptionKeys ?? loadOrCreateEmbeddedKeySpec(config.dataDir));
  } catch (error) {
    if (error instanceof EncryptionError) throw new ConfigError(`Invalid configuration: ${error.message}. See .env.example.`);
    throw error;
  }
}

export function getKeyRing(config: AppConfig): KeyRing {
  cached ??= resolveKeyRing(config);
  return cached;
}
