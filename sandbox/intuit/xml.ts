/**
 * QuickBooks answers XML unless the request accepts JSON. The JSON and XML forms carry the same names, so the XML
 * is written from the JSON body: keys that are XSD attributes become attributes, arrays repeat their element, and
 * the root is IntuitResponse in the finance namespace.
 */

/** Attributes in IntuitRestServiceDef.xsd / IntuitBaseTypes.xsd of the types the sandbox answers with. */
const ATTRIBUTES = new Set(["domain", "sparse", "status", "code", "element", "type", "time", "startPosition", "maxResults", "totalCount", "bId", "name", "changedSince"]);

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[char] ?? char);
}

function element(name: string, value: unknown): string {
  if (Array.isArray(value)) return value.map((item) => element(name, item)).join("");
  if (value === null || typeof value !== "object") return `<${name}>${escapeXml(String(value))}</${name}>`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, child]) => child !== undefined);
  const attributes = entries.filter(([key, child]) => ATTRIBUTES.has(key) && (child === null || typeof child !== "object"));
  // simpleContent (ReferenceType): the JSON "value" is the element's text, its other keys attributes.
  const text = entries.find(([key, child]) => key === "value" && (child === null || typeof child !== "object"));
  const children = entries.filter((entry) => !attributes.includes(entry) && entry !== text);
  const attributeText = attributes.map(([key, child]) => ` ${key}="${escapeXml(String(child))}"`).join("");
  const content = text ? escapeXml(String(text[1])) : "";
  return `<${name}${attributeText}>${content}${children.map(([key, child]) => element(key, child)).join("")}</${name}>`;
}

export function intuitResponseXml(body: Record<string, unknown>): string {
  const { time, ...content } = body;
  const children = Object.entries(content).map(([key, value]) => element(key, value)).join("");
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<IntuitResponse xmlns="http://schema.intuit.com/finance/v3" time="${escapeXml(String(time))}">${children}</IntuitResponse>`;
}
