import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isIdentityError } from './errors.ts';
import { assertStaffCan, STAFF_PERMISSIONS, STAFF_ROLES, type StaffAction, staffCan } from './roles.ts';

test('permission table: separation of duties holds', () => {
  // Only compliance reviews KYC; only treasury releases withdrawals; admin neither.
  assert.deepEqual(STAFF_ROLES.filter((r) => staffCan(r, 'kyc.review')), ['compliance']);
  assert.deepEqual(STAFF_ROLES.filter((r) => staffCan(r, 'withdrawal.release')), ['treasury']);
  assert.equal(staffCan('admin', 'wallet.rebalance'), false);
  // Whoever manages staff cannot move money.
  for (const r of STAFF_ROLES) if (staffCan(r, 'staff.manage')) assert.equal(staffCan(r, 'withdrawal.release') || staffCan(r, 'wallet.rebalance'), false, r);
  // Every money-moving or privilege-granting action requires four eyes.
  for (const a of ['withdrawal.release', 'wallet.rebalance', 'address.whitelist.approve', 'staff.manage', 'limits.change', 'account.unfreeze'] as StaffAction[]) {
    assert.equal(STAFF_PERMISSIONS[a].fourEyes, true, a);
  }
  // Every action is allowed to at least one role, and every role only lists known roles.
  for (const [a, rule] of Object.entries(STAFF_PERMISSIONS)) {
    assert.ok(rule.roles.length > 0, a);
    for (const r of rule.roles) assert.ok(STAFF_ROLES.includes(r), `${a}:${r}`);
  }
});

test('assertStaffCan: unknown roles and actions refused', () => {
  assertStaffCan('compliance', 'kyc.review');
  assert.throws(() => assertStaffCan('support', 'kyc.review'), (e) => isIdentityError(e, 'STAFF_PERMISSION_DENIED'));
  for (const bad of ['root', 'Admin', '', null, undefined, '__proto__', 'toString']) {
    assert.throws(() => assertStaffCan(bad, 'audit.read'), (e) => isIdentityError(e, 'ROLE_INVALID'), String(bad));
  }
  for (const bad of ['__proto__', 'constructor', 'toString', 'kyc.*']) assert.equal(staffCan('admin', bad as StaffAction), false, bad);
});
