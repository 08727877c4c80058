import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/**
 * Secrets at rest (vendor tokens) are sealed with AES-256-GCM under a key ring.
 *
 * Ring format (ENCRYPTION_KEYS): comma-separated `keyId:base64Key` entries, newest first. The first key seals new
 * values; every key in the ring can open values sealed with it, so rotating is "prepend a new key, keep the old
 * ones until everything has been re-sealed" (see needsResealing).
 *
 * Sealed format: `v1.<keyId>.<iv>.<ciphertext>.<tag>` with base64url parts. The key id travels with the value so
 * the right key is chosen without trial decryption. An optional context string (for example "connection:<id>")
 * is bound as additional authenticated data, so a sealed value copied onto another row does not open.
 */

const VERSION = "v1";
const KEY_BYTES = 32;
const IV_BYTES = 12;
const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

export interface KeyRing {
  /** Id of the key that seals new values. */
  readonly primaryKeyId: string;
  readonly keys: ReadonlyMap<string, Buffer>;
}

export class EncryptionError extends Error {
  override name = "EncryptionError";
}

export function parseKeyRing(spec: string): KeyRing {
  const entries = spec
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new EncryptionError("ENCRYPTION_KEYS holds no key");
  const keys = new Map<string, Buffer>();
  for (const entry of entries) {
    const separator = entry.indexOf(":");
    const keyId = separator > 0 ? entry.slice(0, separator) : "";
    if (!KEY_ID_PATTERN.test(keyId)) {
      throw new EncryptionError("ENCRYPTION_KEYS entries must look like keyId:base64Key (keyId: letters, digits, - or _)");
    }
    const key = Buffer.from(entry.slice(separator + 1), "base64");
    if (key.length !== KEY_BYTES) {
      throw new EncryptionError(`ENCRYPTION_KEYS key "${keyId}" must be ${KEY_BYTES} bytes of base64 (got ${key.length})`);
    }
    if (keys.has(keyId)) throw new EncryptionError(`ENCRYPTION_KEYS names key "${keyId}" twice`);
    keys.set(keyId, key);
  }
  return { primaryKeyId: entries[0]!.slice(0, entries[0]!.indexOf(":")), keys };
}

export function generateKeySpec(keyId: string): string {
  return `${keyId}:${randomBytes(KEY_BYTES).toString("base64")}`;
}

export function sealSecret(ring: KeyRing, plaintext: string, context = ""): string {
  const key = ring.keys.get(ring.primaryKeyId)!;
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(context, "utf8"));
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [VERSION, ring.primaryKeyId, iv.toString("base64url"), ciphertext.toString("base64url"), tag.toString("base64url")].join(".");
}

export function openSecret(ring: KeyRing, sealed: string, context = ""): string {
  const parts = sealed.split(".");
  if (parts.length !== 5 || parts[0] !== VERSION) throw new EncryptionError("Sealed value is not in a known format");
  const [, keyId, ivPart, ciphertextPart, tagPart] = parts as [string, string, string, string, string];
  const key = ring.keys.get(keyId);
  if (!key) throw new EncryptionError(`Sealed value needs key "${keyId}", which is not in ENCRYPTION_KEYS`);
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(ivPart, "base64url"));
    decipher.setAAD(Buffer.from(context, "utf8"));
    decipher.setAuthTag(Buffer.from(tagPart, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(ciphertextPart, "base64url")), decipher.final()]).toString("utf8");
  } catch {
    // GCM reports tampering, a wrong key and a wrong context alike; say which value failed, never its content.
    throw new EncryptionError("Sealed value failed authentication (tampered, wrong key or wrong context)");
  }
}

/** True when a value was sealed with an older key and should be re-sealed with the primary one. */
export function needsResealing(ring: KeyRing, sealed: string): boolean {
  return sealed.split(".")[1] !== ring.primaryKeyId;
}

const EMBEDDED_KEY_FILE = "encryption.key";

/**
 * The embedded default keeps its key ring in a file under the data dir (mode 0600), created on first run.
 * A lost file means the sealed tokens in that data dir can no longer be opened, which is why external
 * databases must get ENCRYPTION_KEYS from the environment instead.
 */
export function loadOrCreateEmbeddedKeySpec(dataDir: string): string {
  const file = path.join(dataDir, EMBEDDED_KEY_FILE);
  try {
    return fs.readFileSync(file, "utf8").trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const spec = generateKeySpec(`local-${new Date().toISOString().slice(0, 10).replaceAll("-", "")}`);
  try {
    // "wx" fails if another process won the race; then that process's key is the one to use.
    fs.writeFileSync(file, `${spec}\n`, { mode: 0o600, flag: "wx" });
    return spec;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return fs.readFileSync(file, "utf8").trim();
    throw error;
  }
}
