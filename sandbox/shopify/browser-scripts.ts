import fs from "node:fs";
import { sandboxFile } from "./paths";

/**
 * The scripts the sandbox serves to browsers are TypeScript in browser/ (type-checked and linted with the rest of
 * the repository) and compiled on first request to classic scripts: App Bridge is loaded with a plain <script>,
 * which must run before the app's module scripts. esbuild (a devDependency) is loaded only then.
 */

const compiled = new Map<string, Promise<string>>();

export type BrowserScript = "app-bridge" | "admin-page";

export function browserScript(name: BrowserScript): Promise<string> {
  let script = compiled.get(name);
  if (!script) {
    const source = fs.readFileSync(sandboxFile("browser", `${name}.ts`), "utf8");
    script = import("esbuild")
      .then(({ transform }) => transform(source, { loader: "ts", format: "iife", target: "es2020", sourcefile: `${name}.ts` }))
      .then((result) => result.code);
    compiled.set(name, script);
  }
  return script;
}
