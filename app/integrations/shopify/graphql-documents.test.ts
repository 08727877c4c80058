import fs from "node:fs";
import path from "node:path";
import { parse, validate } from "graphql";
import { describe, expect, it } from "vitest";
import { ADMIN_API_VERSION, loadAdminSchema } from "../../../sandbox/shopify/admin-schema";
import { SHOPIFY_API_VERSION } from "./api-version";

/**
 * Every GraphQL document in app/ (a template literal starting with `#graphql`) must be valid against Shopify's
 * Admin schema for the pinned API version, so a misspelt field fails here rather than at Shopify.
 */

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "generated" ? [] : sourceFiles(full);
    return /\.(ts|tsx)$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) ? [full] : [];
  });
}

function graphqlDocuments(): { file: string; document: string }[] {
  return sourceFiles(path.resolve("app")).flatMap((file) =>
    [...fs.readFileSync(file, "utf8").matchAll(/`(#graphql[\s\S]*?)`/g)].map((match) => ({ file: path.relative(process.cwd(), file), document: match[1]! })),
  );
}

describe(`GraphQL documents against the Admin API ${ADMIN_API_VERSION} schema`, () => {
  const documents = graphqlDocuments();

  it("pins the same API version as the app", () => {
    expect(SHOPIFY_API_VERSION).toBe(ADMIN_API_VERSION);
  });

  it("finds the app's documents", () => {
    expect(documents.length).toBeGreaterThanOrEqual(2);
  });

  it.each(documents.map((entry) => [entry.file, entry.document]))("%s: valid", (_file, document) => {
    const errors = validate(loadAdminSchema(), parse(document));
    expect(errors.map((error) => error.message)).toEqual([]);
  });

  it("would catch a misspelt field", () => {
    const errors = validate(loadAdminSchema(), parse("query { shop { nmae } }"));
    expect(errors[0]?.message).toMatch(/Cannot query field "nmae" on type "Shop"/);
  });
});
