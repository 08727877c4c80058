// Bundles the process entry (server/main.ts) into build/main.js, and the database CLI (scripts/db.ts) into
// build/db.js so a production image can migrate without dev tools. Packages stay external: they are installed
// next to the build, and the Remix server build is loaded at run time from build/server/index.js.
import { build } from "esbuild";

await build({
  entryPoints: { main: "server/main.ts", db: "scripts/db.ts" },
  outdir: "build",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node22",
  packages: "external",
  logLevel: "warning",
});
