// The one XML parser configuration for feeds: DOCTYPE entities are never expanded or resolved.
import { XMLParser } from 'fast-xml-parser';
import { decodeXML } from 'entities';

// fast-xml-parser reads DOCTYPE <!ENTITY> declarations and hands them to its decoder. This decoder
// drops them and only knows XML's five predefined entities and numeric references, so a
// billion-laughs document or an external (SYSTEM) entity stays an inert `&name;` in the text.
const predefinedEntitiesOnly = {
  setExternalEntities(): void {},
  addInputEntities(): void {},
  reset(): void {},
  setXmlVersion(): void {},
  decode: (text: string): string => decodeXML(text),
};

/** Raw inner markup of these elements is kept as a string (ifru's `<description_int>` may hold markup). */
const RAW_ELEMENTS = ['*.description_int'];

export type XmlNode = Record<string, unknown>;

/** Parses a feed document into plain objects; namespace prefixes dropped, every value a string. */
export function parseFeedXml(text: string): XmlNode {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    removeNSPrefix: true,
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    processEntities: true,
    entityDecoder: predefinedEntitiesOnly,
    stopNodes: RAW_ELEMENTS,
    ignoreDeclaration: true,
    ignorePiTags: true,
  });
  const document: unknown = parser.parse(text, true);
  if (typeof document !== 'object' || document === null) throw new Error('not an XML document');
  return document as XmlNode;
}

/** Text of a raw (stop-node) element: CDATA sections verbatim, the rest with XML entities decoded. */
export function rawInnerText(raw: string): string {
  let out = '';
  let rest = raw;
  for (;;) {
    const start = rest.indexOf('<![CDATA[');
    if (start < 0) return out + decodeXML(rest);
    const end = rest.indexOf(']]>', start + 9);
    if (end < 0) return out + decodeXML(rest);
    out += decodeXML(rest.slice(0, start)) + rest.slice(start + 9, end);
    rest = rest.slice(end + 3);
  }
}

/** An element's text whether the parser gave a string or an object with `#text` (attributes present). */
export function textOf(node: unknown): string | null {
  if (node === undefined || node === null) return null;
  if (typeof node === 'string') return node;
  if (typeof node === 'number' || typeof node === 'boolean') return String(node);
  if (Array.isArray(node)) return textOf(node[0]);
  if (typeof node === 'object') {
    const text = (node as XmlNode)['#text'];
    if (text !== undefined) return textOf(text);
    return '';
  }
  return null;
}

/** A child that may appear once or many times, as an array. */
export function asArray(node: unknown): unknown[] {
  if (node === undefined || node === null) return [];
  return Array.isArray(node) ? node : [node];
}

/** A named child of an element object, or undefined for text, arrays and missing nodes. */
export function child(node: unknown, name: string): unknown {
  return typeof node === 'object' && node !== null && !Array.isArray(node) ? (node as XmlNode)[name] : undefined;
}
