/**
 * A minimal XML parser, enough for Intuit's XSD files: elements, attributes (single or double quoted), text with
 * the five predefined entities and numeric character references, comments, processing instructions and CDATA.
 * No DTDs, no namespaces resolution (prefixes stay part of the name). It keeps what the rule generator reads and
 * fails loudly, with the offset, on anything else.
 */

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** The element's own text (not its children's), entities decoded. */
  text: string;
}

const NAMED_ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

function decodeEntities(text: string, offset: number): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (match, entity: string) => {
    if (entity.startsWith("#x")) return String.fromCodePoint(Number.parseInt(entity.slice(2), 16));
    if (entity.startsWith("#")) return String.fromCodePoint(Number.parseInt(entity.slice(1), 10));
    const named = NAMED_ENTITIES[entity];
    if (named === undefined) throw new Error(`Unknown XML entity ${match} near offset ${offset}`);
    return named;
  });
}

export function parseXml(source: string): XmlElement {
  const text = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
  let position = 0;
  const root: XmlElement = { name: "#document", attributes: {}, children: [], text: "" };
  const stack: XmlElement[] = [root];
  const current = (): XmlElement => stack[stack.length - 1] ?? root;

  const skipPast = (terminator: string, what: string): void => {
    const end = text.indexOf(terminator, position);
    if (end < 0) throw new Error(`Unterminated ${what} at offset ${position}`);
    position = end + terminator.length;
  };

  while (position < text.length) {
    const open = text.indexOf("<", position);
    const chunkEnd = open < 0 ? text.length : open;
    if (chunkEnd > position) current().text += decodeEntities(text.slice(position, chunkEnd), position);
    if (open < 0) break;
    position = open;
    if (text.startsWith("<!--", position)) {
      skipPast("-->", "comment");
    } else if (text.startsWith("<?", position)) {
      skipPast("?>", "processing instruction");
    } else if (text.startsWith("<![CDATA[", position)) {
      const end = text.indexOf("]]>", position);
      if (end < 0) throw new Error(`Unterminated CDATA at offset ${position}`);
      current().text += text.slice(position + 9, end);
      position = end + 3;
    } else if (text.startsWith("<!", position)) {
      throw new Error(`DTD declarations are not supported (offset ${position})`);
    } else if (text.startsWith("</", position)) {
      const end = text.indexOf(">", position);
      if (end < 0) throw new Error(`Unterminated end tag at offset ${position}`);
      const name = text.slice(position + 2, end).trim();
      const element = stack.pop();
      if (!element || element === root || element.name !== name) throw new Error(`Unexpected </${name}> at offset ${position}`);
      position = end + 1;
    } else {
      const tag = /^<([A-Za-z_][\w.:-]*)((?:\s+[A-Za-z_][\w.:-]*\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/.exec(text.slice(position, position + 4096));
      if (!tag) throw new Error(`Malformed start tag at offset ${position}`);
      const [whole, name = "", attributeText = "", selfClosing] = tag;
      const attributes: Record<string, string> = {};
      for (const attribute of attributeText.matchAll(/([A-Za-z_][\w.:-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
        attributes[attribute[1] ?? ""] = decodeEntities(attribute[2] ?? attribute[3] ?? "", position);
      }
      const element: XmlElement = { name, attributes, children: [], text: "" };
      current().children.push(element);
      if (!selfClosing) stack.push(element);
      position += whole.length;
    }
  }
  if (stack.length !== 1) throw new Error(`Unclosed <${current().name}> at the end of the document`);
  const [document] = root.children;
  if (!document || root.children.length !== 1) throw new Error("An XML document has exactly one root element");
  return document;
}
