import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HDKey } from '@scure/bip32';
import fc from 'fast-check';
import { privateKeyToAccount } from 'viem/accounts';
import { ChainError } from './errors.ts';
import {
  accountXpubFromSeed,
  addressPath,
  deriveDepositAddress,
  deriveSigner,
  deriveSignerAtPath,
  mnemonicToSeed,
  parseAccountXpub,
} from './hd.ts';

const HARDHAT_MNEMONIC = 'test test test test test test test test test test test junk';
const ABANDON_MNEMONIC = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
// Hardhat's / anvil's published default accounts #0..#2 for the "test … junk" mnemonic.
const HARDHAT_ADDRESSES = [
  '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
  '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
  '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
];
const HARDHAT_KEY0 = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ChainError, `expected ChainError, got ${String(e)}`);
    return e.code;
  }
  assert.fail('expected a throw');
}

describe('BIP44 coin 60 derivation', () => {
  const hhSeed = mnemonicToSeed(HARDHAT_MNEMONIC);
  const hhXpub = accountXpubFromSeed(hhSeed);

  it('derives the hardhat accounts from the account xpub only', () => {
    HARDHAT_ADDRESSES.forEach((addr, i) => {
      assert.equal(deriveDepositAddress(hhXpub, i), addr);
    });
  });

  it('derives the "abandon … about" first address', () => {
    const xpub = accountXpubFromSeed(mnemonicToSeed(ABANDON_MNEMONIC));
    assert.equal(deriveDepositAddress(xpub, 0), '0x9858EfFD232B4033E47d90003D41EC34EcaEda94');
  });

  it('signer from seed matches the published private key and the xpub path', () => {
    const s = deriveSigner(hhSeed, 0);
    assert.equal(s.path, "m/44'/60'/0'/0/0");
    assert.equal(s.privateKey, HARDHAT_KEY0);
    assert.equal(s.address, HARDHAT_ADDRESSES[0]);
    assert.equal(privateKeyToAccount(s.privateKey).address, s.address);
  });

  it('xpub and seed derivations agree (property)', () => {
    const acct = parseAccountXpub(hhXpub);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0x7fffffff }), (i) => {
        assert.equal(deriveDepositAddress(acct, i), deriveSignerAtPath(hhSeed, addressPath(i)).address);
      }),
      { numRuns: 25 },
    );
  });

  it('refuses xprv, wrong depth, garbage, bad index, bad mnemonic, bad path', () => {
    const root = HDKey.fromMasterSeed(hhSeed);
    assert.equal(code(() => parseAccountXpub(root.derive("m/44'/60'/0'").privateExtendedKey)), 'HD_PRIVATE_KEY_REFUSED');
    assert.equal(code(() => parseAccountXpub(root.publicExtendedKey)), 'HD_NOT_ACCOUNT_LEVEL');
    assert.equal(code(() => parseAccountXpub(root.derive("m/44'/60'/0'/0").publicExtendedKey)), 'HD_NOT_ACCOUNT_LEVEL');
    assert.equal(code(() => parseAccountXpub('xpub123')), 'HD_BAD_XPUB');
    assert.equal(code(() => parseAccountXpub(`${hhXpub.slice(0, -1)}X`)), 'HD_BAD_XPUB');
    assert.equal(code(() => parseAccountXpub('x'.repeat(5000))), 'HD_BAD_XPUB');
    assert.equal(code(() => deriveDepositAddress(hhXpub, -1)), 'HD_BAD_INDEX');
    assert.equal(code(() => deriveDepositAddress(hhXpub, 2 ** 31)), 'HD_BAD_INDEX');
    assert.equal(code(() => deriveDepositAddress(hhXpub, 1.5)), 'HD_BAD_INDEX');
    assert.equal(code(() => mnemonicToSeed('test test test test test test test test test test test test')), 'HD_BAD_MNEMONIC');
    assert.equal(code(() => mnemonicToSeed('')), 'HD_BAD_MNEMONIC');
    assert.equal(code(() => deriveSignerAtPath(hhSeed, "m/44'/60'/../0")), 'HD_BAD_PATH');
  });
});
