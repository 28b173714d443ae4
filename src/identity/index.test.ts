import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as identity from './index.ts';

test('index exports the public surface', () => {
  for (const name of ['verifyTotp', 'hashPassword', 'parseEmiratesId', 'verifySignedRequest', 'touchSession', 'RateLimiter', 'propose', 'appendAudit', 'verifyAuditChain', 'assertStaffCan', 'parseKycProfile', 'IdentityError']) {
    assert.equal(typeof (identity as Record<string, unknown>)[name], 'function', name);
  }
});
