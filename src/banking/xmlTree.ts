import { BankingError } from './errors.ts';

/**
 * Small, total accessors over the plain objects parseSafeXml returns. They never throw on
 * shape surprises: a hostile file can put an element where text was expected, and the
 * caller then sees `undefined` and reports a typed issue instead of crashing.
 */
export type XmlNode = unknown;

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The single child element `name` (the first one if the file repeats it). */
export function child(node: XmlNode, name: string): XmlNode {
  if (!isObject(node)) return undefined;
  const v = node[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Follows a path of single children. */
export function at(node: XmlNode, ...names: string[]): XmlNode {
  let cur = node;
  for (const n of names) cur = child(cur, n);
  return cur;
}

/** All children named `name`, as an array (0..n), whatever the parser produced. */
export function children(node: XmlNode, name: string): XmlNode[] {
  if (!isObject(node)) return [];
  const v = node[name];
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

/** Text content of a leaf (with or without attributes), or undefined when it is not a text leaf. */
export function text(node: XmlNode): string | undefined {
  if (typeof node === 'string') return node;
  if (isObject(node)) {
    const t = node['#text'];
    if (typeof t === 'string') return t;
    // An element with attributes but empty content.
    if (Object.keys(node).every((k) => k.startsWith('@_'))) return '';
  }
  return undefined;
}

/** Text at a path, or undefined; empty strings become undefined (an empty optional field is absent). */
export function textAt(node: XmlNode, ...names: string[]): string | undefined {
  const t = text(at(node, ...names));
  return t === undefined || t === '' ? undefined : t;
}

export function attr(node: XmlNode, name: string): string | undefined {
  if (!isObject(node)) return undefined;
  const v = node[`@_${name}`];
  return typeof v === 'string' ? v : undefined;
}

export interface RootElement {
  readonly localName: string;
  readonly namespace: string | undefined;
}

/**
 * The root element's local name and namespace, read from the raw text because
 * parseSafeXml removes namespace prefixes and xmlns attributes. Handles both
 * `<Document xmlns="urn:…">` and prefixed roots such as `<ns2:Document xmlns:ns2="urn:…">`,
 * which several banks' host-to-host gateways emit.
 */
export function rootElement(xml: string): RootElement {
  // Skip the declaration, comments and whitespace before the root.
  const head = xml.slice(0, 64 * 1024).replace(/^\uFEFF/, '');
  const re = /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<([A-Za-z_][\w.:-]*)((?:\s+[^\s=<>/]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*\/?>/g;
  for (let m = re.exec(head); m !== null; m = re.exec(head)) {
    if (m[1] === undefined) continue;
    const qname = m[1];
    const colon = qname.indexOf(':');
    const prefix = colon >= 0 ? qname.slice(0, colon) : '';
    const localName = colon >= 0 ? qname.slice(colon + 1) : qname;
    const attrName = prefix === '' ? 'xmlns' : `xmlns:${prefix}`;
    let namespace: string | undefined;
    for (const a of (m[2] ?? '').matchAll(/([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
      if (a[1] === attrName) namespace = a[2] ?? a[3];
    }
    return { localName, namespace };
  }
  throw new BankingError('XML_ROOT_MISSING', 'no root element found in the first 64 KiB');
}
