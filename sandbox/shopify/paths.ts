import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * A file of this folder (the schema, the browser scripts). Next to this module when it runs from source (tsx,
 * vitest); when the app's server build bundles the sandbox, under the working directory, the repository root.
 */
export function sandboxFile(...segments: string[]): string {
  const candidates = [path.join(path.dirname(fileURLToPath(import.meta.url)), ...segments), path.resolve("sandbox", "shopify", ...segments)];
  return candidates.find((candidate) => fs.existsSync(candidate)) ?? candidates[0]!;
}
