import { IdentityError } from './errors.ts';

/**
 * Staff roles and what each may do. Separation of duties: no single role can both
 * move money and change who may move money; admin manages staff and configuration
 * but cannot approve KYC or release funds (after the 2016 Bitfinex / 2019 Binance
 * lessons: a compromised admin account must not be enough to drain).
 */
export type StaffRole = 'support' | 'compliance' | 'treasury' | 'security' | 'admin';
export const STAFF_ROLES: readonly StaffRole[] = ['support', 'compliance', 'treasury', 'security', 'admin'];

export type StaffAction =
  | 'account.view'
  | 'account.freeze'
  | 'account.unfreeze'
  | 'session.revoke'
  | 'apikey.revoke'
  | 'kyc.view'
  | 'kyc.review'
  | 'screening.review'
  | 'withdrawal.review'
  | 'withdrawal.release'
  | 'address.whitelist.approve'
  | 'wallet.rebalance'
  | 'fiat.reconcile'
  | 'limits.change'
  | 'trading.halt'
  | 'incident.declare'
  | 'staff.manage'
  | 'audit.read';

export interface StaffActionRule {
  roles: readonly StaffRole[];
  /** Must go through fourEyes: proposed by one staff member, approved by another. */
  fourEyes: boolean;
}

export const STAFF_PERMISSIONS: Readonly<Record<StaffAction, StaffActionRule>> = Object.freeze({
  'account.view': { roles: ['support', 'compliance', 'security', 'admin'], fourEyes: false },
  // Freezing is a safety brake: anyone who spots trouble can pull it; unfreezing needs two.
  'account.freeze': { roles: ['support', 'compliance', 'security'], fourEyes: false },
  'account.unfreeze': { roles: ['compliance', 'security'], fourEyes: true },
  'session.revoke': { roles: ['support', 'security'], fourEyes: false },
  'apikey.revoke': { roles: ['support', 'security'], fourEyes: false },
  'kyc.view': { roles: ['compliance'], fourEyes: false },
  'kyc.review': { roles: ['compliance'], fourEyes: false },
  'screening.review': { roles: ['compliance'], fourEyes: true },
  'withdrawal.review': { roles: ['compliance', 'treasury'], fourEyes: false },
  'withdrawal.release': { roles: ['treasury'], fourEyes: true },
  'address.whitelist.approve': { roles: ['treasury', 'security'], fourEyes: true },
  'wallet.rebalance': { roles: ['treasury'], fourEyes: true },
  'fiat.reconcile': { roles: ['treasury'], fourEyes: false },
  'limits.change': { roles: ['compliance', 'treasury'], fourEyes: true },
  'trading.halt': { roles: ['security', 'admin'], fourEyes: false },
  'incident.declare': { roles: ['security', 'admin'], fourEyes: false },
  'staff.manage': { roles: ['admin'], fourEyes: true },
  'audit.read': { roles: ['security', 'compliance', 'admin'], fourEyes: false },
});

export function isStaffRole(role: unknown): role is StaffRole {
  return typeof role === 'string' && (STAFF_ROLES as readonly string[]).includes(role);
}

export function staffCan(role: unknown, action: StaffAction): boolean {
  const rule = Object.hasOwn(STAFF_PERMISSIONS, action) ? STAFF_PERMISSIONS[action] : undefined;
  return rule !== undefined && isStaffRole(role) && rule.roles.includes(role);
}

/** Throws STAFF_PERMISSION_DENIED (or ROLE_INVALID for a role that does not exist). */
export function assertStaffCan(role: unknown, action: StaffAction): void {
  if (!isStaffRole(role)) throw new IdentityError('ROLE_INVALID', 'unknown staff role');
  if (!staffCan(role, action)) throw new IdentityError('STAFF_PERMISSION_DENIED', `role '${role}' may not '${action}'`, { role, action });
}
