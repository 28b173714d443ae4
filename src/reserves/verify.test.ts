import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { runInContext, createContext } from 'node:vm';
import { buildLiabilitiesTree } from './tree.ts';

describe('verify.ts stays browser-safe and independent of the builder', () => {
  const source = readFileSync(new URL('./verify.ts', import.meta.url), 'utf8');
  it('imports only @noble/hashes: no node: modules, no local code shared with tree.ts', () => {
    const imports = [...source.matchAll(/^\s*import\s[^;]*?from\s+'([^']+)'/gm)].map((m) => m[1]);
    assert.ok(imports.length > 0);
    for (const spec of imports) assert.match(spec!, /^@noble\/hashes\//, `verify.ts imports ${spec}`);
    assert.doesNotMatch(source, /\brequire\(|\bimport\(/);
  });
  it('uses no Node-only globals', () => {
    const code = source.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    assert.doesNotMatch(code, /\bBuffer\b|\bprocess\b|__dirname/);
  });
});

describe('verify.ts bundled for a browser', () => {
  it('runs in an empty JavaScript context (no Node globals at all) and verifies a real proof', async () => {
    // esbuild comes with tsx (the test runner's loader); it bundles exactly as a web page would.
    const esbuild = await import('esbuild');
    const out = esbuild.buildSync({ entryPoints: [new URL('./verify.ts', import.meta.url).pathname], bundle: true, platform: 'browser', format: 'iife', globalName: 'PorVerifier', write: false });
    const context = createContext({});
    runInContext(out.outputFiles[0]!.text, context);
    const verify = context.PorVerifier.verifyInclusionProof;
    const tree = buildLiabilitiesTree({
      accounts: [
        { customerId: 'dana', balances: { AED: 12_345n } },
        { customerId: 'eli', balances: { BTC: 1n } },
      ],
      assets: ['AED', 'BTC'],
      snapshotSalt: new Uint8Array(32).fill(5),
      snapshotTime: '2026-11-25T12:00:00Z',
      journalSeq: 3n,
    });
    const proof = JSON.parse(JSON.stringify(tree.proofFor('dana')));
    assert.equal(verify(proof, tree.published.rootHash, { customerId: 'dana', balances: { AED: '12345' } }).ok, true);
    assert.equal(verify(proof, tree.published.rootHash, { customerId: 'dana', balances: { AED: '12346' } }).ok, false);
  });
});
