/**
 * npm run bench -- <name>   runs bench/<name>.ts, which prints its figures.
 */
import { readdirSync } from "node:fs";

const name = process.argv[2];
const available = readdirSync(new URL(".", import.meta.url))
  .filter((file) => file.endsWith(".ts") && !file.startsWith("run.") && !file.startsWith("support"))
  .map((file) => file.replace(/\.ts$/, ""));

if (!name || !available.includes(name)) {
  console.error(`Usage: npm run bench -- <name>   (available: ${available.join(", ")})`);
  process.exit(2);
}
await import(`./${name}.ts`);
