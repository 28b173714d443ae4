/** Escapes text and attribute values for XML we write (all five predefined entities). */
export function esc(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** `<name>text</name>`, escaped. */
export function el(name: string, value: string): string {
  return `<${name}>${esc(value)}</${name}>`;
}

/** Joins child lines with indentation, for files an operator may need to read. */
export function block(name: string, inner: readonly string[], attrs = ''): string {
  return `<${name}${attrs}>${inner.join('')}</${name}>`;
}
