import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "~/config.server";
import {
  EncryptionError,
  generateKeySpec,
  loadOrCreateEmbeddedKeySpec,
  needsResealing,
  openSecret,
  parseKeyRing,
  sealSecret,
} from "./encryption.server";
import { resolveKeyRing } from "./key-ring.server";

const oldSpec = generateKeySpec("2026-01");
const newSpec = generateKeySpec("2026-11");

describe("sealed secrets", () => {
  it("round-trips a token, and never stores it in the clear", () => {
    const ring = parseKeyRing(oldSpec);
    const sealed = sealSecret(ring, "shpat_live_token_123", "connection:abc");
    expect(sealed).not.toContain("shpat_live_token_123");
    expect(sealed.startsWith("v1.2026-01.")).toBe(true);
    expect(openSecret(ring, sealed, "connection:abc")).toBe("shpat_live_token_123");
    // A fresh IV each time: sealing twice gives two different values.
    expect(sealSecret(ring, "same", "")).not.toBe(sealSecret(ring, "same", ""));
  });

  it("detects tampering with any part", () => {
    const ring = parseKeyRing(oldSpec);
    const sealed = sealSecret(ring, "refresh-token-value");
    const parts = sealed.split(".");
    for (const index of [2, 3, 4]) {
      const tampered = [...parts];
      const bytes = Buffer.from(tampered[index]!, "base64url");
      bytes[0] = bytes[0]! ^ 0x01;
      tampered[index] = bytes.toString("base64url");
      expect(() => openSecret(ring, tampered.join("."))).toThrow(EncryptionError);
    }
  });

  it("refuses a value moved to another context (row)", () => {
    const ring = parseKeyRing(oldSpec);
    const sealed = sealSecret(ring, "token", "connection:a");
    expect(() => openSecret(ring, sealed, "connection:b")).toThrow(/failed authentication/);
  });

  it("rotates: old values still open, new values use the new key", () => {
    const before = parseKeyRing(oldSpec);
    const sealedWithOld = sealSecret(before, "old-token");
    const after = parseKeyRing(`${newSpec},${oldSpec}`);
    expect(after.primaryKeyId).toBe("2026-11");
    expect(openSecret(after, sealedWithOld)).toBe("old-token");
    expect(needsResealing(after, sealedWithOld)).toBe(true);
    const sealedWithNew = sealSecret(after, "new-token");
    expect(sealedWithNew.split(".")[1]).toBe("2026-11");
    expect(needsResealing(after, sealedWithNew)).toBe(false);
    // Dropping the old key too early is reported plainly.
    expect(() => openSecret(parseKeyRing(newSpec), sealedWithOld)).toThrow(/needs key "2026-01"/);
  });

  it("rejects malformed key rings with a message that names the problem", () => {
    expect(() => parseKeyRing("")).toThrow(/holds no key/);
    expect(() => parseKeyRing("nokey")).toThrow(/keyId:base64Key/);
    expect(() => parseKeyRing("k1:" + Buffer.alloc(16).toString("base64"))).toThrow(/must be 32 bytes/);
    expect(() => parseKeyRing(`${oldSpec},${oldSpec}`)).toThrow(/twice/);
  });
});

describe("key ring from configuration", () => {
  it("is a clear startup error when an external database has no key", () => {
    const config = parseConfig({ DATABASE_URL: "postgres://db.internal/app" });
    expect(() => resolveKeyRing(config)).toThrow(ConfigError);
    expect(() => resolveKeyRing(config)).toThrow(/ENCRYPTION_KEYS is required when DATABASE_URL is set/);
  });

  it("turns a malformed ENCRYPTION_KEYS into a configuration error", () => {
    const config = parseConfig({ DATABASE_URL: "postgres://x/y", ENCRYPTION_KEYS: "k1:short" });
    expect(() => resolveKeyRing(config)).toThrow(/^Invalid configuration: ENCRYPTION_KEYS key "k1" must be 32 bytes/);
  });

  it("generates the embedded key once, keeps it with mode 0600, and reuses it", () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "tb-key-"));
    try {
      const first = loadOrCreateEmbeddedKeySpec(dataDir);
      const file = path.join(dataDir, "encryption.key");
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(loadOrCreateEmbeddedKeySpec(dataDir)).toBe(first);
      const ring = resolveKeyRing(parseConfig({ TILLBRIDGE_DATA_DIR: dataDir }));
      expect(openSecret(ring, sealSecret(ring, "x"))).toBe("x");
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
