import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSafeXml, XmlError } from './xml.ts';

const code = (c: string) => (e: unknown) => e instanceof XmlError && e.code === c;

test('parses a plain document with text kept as strings', () => {
  const doc = parseSafeXml('<?xml version="1.0"?><a xmlns="urn:x"><b>001.50</b><b>2</b></a>', { arrayTags: new Set(['b']) });
  assert.deepEqual((doc.a as Record<string, unknown>).b, ['001.50', '2']);
});

test('refuses XXE, billion laughs, stylesheets, oversized and malformed input', () => {
  const xxe = '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>';
  assert.throws(() => parseSafeXml(xxe), code('XML_DTD_REFUSED'));
  const lol = '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><lolz>&lol2;</lolz>';
  assert.throws(() => parseSafeXml(lol), code('XML_DTD_REFUSED'));
  assert.throws(() => parseSafeXml('<a><!ENTITY x "y"></a>'), code('XML_ENTITY_REFUSED'));
  assert.throws(() => parseSafeXml('<?xml version="1.0"?><?xml-stylesheet href="x"?><a/>'), code('XML_PI_REFUSED'));
  assert.throws(() => parseSafeXml('<a>' + 'x'.repeat(100) + '</a>', { bytesMax: 50 }), code('XML_TOO_LARGE'));
  assert.throws(() => parseSafeXml('<a><b></a>'), code('XML_MALFORMED'));
  assert.throws(() => parseSafeXml(new Uint8Array([0x3c, 0x61, 0x3e, 0xff, 0x3c, 0x2f, 0x61, 0x3e])), XmlError);
});

test('rootNamespace reads the root default or prefixed namespace', async () => {
  const { rootNamespace } = await import('./xml.ts');
  assert.equal(rootNamespace('<?xml version="1.0"?><Document xmlns="urn:iso:x" a="1"><b/></Document>'), 'urn:iso:x');
  assert.equal(rootNamespace("<ns2:Document xmlns:ns2='urn:y'><ns2:b/></ns2:Document>"), 'urn:y');
  assert.equal(rootNamespace('<!-- c --><a><b xmlns="urn:inner"/></a>'), null);
});
