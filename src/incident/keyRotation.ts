import type { StaffActor } from '../identity/index.ts';
import type { FourEyesDesk } from './desk.ts';
import { IncidentError } from './errors.ts';
import type { IncidentLog } from './log.ts';
import type { IntentRegistry } from './outflowMatcher.ts';
import type { AuthorisedIntent, Chain } from './types.ts';

/**
 * Key rotation after a hot-key compromise: generate a new hot wallet, move what remains
 * on the compromised addresses to the new hot wallet or to cold, retire the old
 * addresses (still watched: a deposit arriving there is credited and swept), and
 * re-derive deposit addresses when the deposit xpub is suspected. Four-eyes on the
 * whole plan (action 'incident.key_rotation'). The move is signed by a freshly
 * provisioned signer (the halted one stays halted: it is presumed compromised); it
 * spends the old keys one last time, so it races the attacker — it goes first, before
 * anything else is restored. Every step is registered as an intent BEFORE broadcast,
 * so the outflow matcher never mistakes the rescue for more theft.
 */

export interface NewHotWallet {
  readonly walletId: string;
  readonly chain: Chain;
  /** BIP32 path of the new account (a new account index, never a reused one). */
  readonly keyPath: string;
  readonly addresses: readonly string[];
}

/** Implemented by the custody service. */
export interface CustodyControl {
  /** Creates a new hot wallet from a new key (new seed or new account path) and starts watching it. */
  generateHotWallet(chain: Chain, incidentId: string): Promise<NewHotWallet>;
  /** On-chain balance still held by these addresses (minor units). */
  remainingOn(chain: Chain, addresses: readonly string[]): Promise<bigint>;
  /** Builds and signs (new signer) a tx moving everything on `from` to `to`; returns the intent it will broadcast (not yet broadcast). */
  prepareMove(chain: Chain, from: readonly string[], to: string, intentId: string): Promise<{ intent: AuthorisedIntent; amountMinor: bigint; feeMinor: bigint; txid: string }>;
  broadcast(intentId: string): Promise<void>;
  /** Marks addresses retired: never used for new deposits or change; still watched; arrivals credited and swept to `sweepTo`. */
  retireAddresses(chain: Chain, addresses: readonly string[], sweepTo: string): Promise<void>;
  /** New deposit account (new xpub); customers get new deposit addresses; old ones retired as above. */
  rederiveDepositAddresses(chain: Chain, incidentId: string): Promise<{ newXpubFingerprint: string; reassigned: number }>;
}

export interface RotationPlan {
  readonly incidentId: string;
  readonly chain: Chain;
  readonly compromised: readonly string[];
  readonly destination: 'new_hot' | 'cold';
  /** With destination 'cold': the cold address (from the offline wallet's watch-only list). */
  readonly coldAddress?: string;
  readonly rederiveDeposits: boolean;
}

export function rotationPayload(p: RotationPlan): Record<string, unknown> {
  return { incidentId: p.incidentId, chain: p.chain, compromised: [...p.compromised], destination: p.destination, coldAddress: p.coldAddress ?? null, rederiveDeposits: p.rederiveDeposits };
}

export interface RotationResult {
  readonly newWallet: NewHotWallet;
  readonly movedMinor: bigint;
  readonly feeMinor: bigint;
  readonly moveTxid: string | null;
  readonly rederived: { newXpubFingerprint: string; reassigned: number } | null;
}

export const COMPROMISED_ADDRESSES_MAX = 10_000;

export async function executeRotation(
  plan: RotationPlan,
  deps: { custody: CustodyControl; registry: IntentRegistry; own: { add(chain: Chain, address: string): void }; log: IncidentLog; desk: FourEyesDesk; proposalId: string; actor: StaffActor; clock: () => number },
): Promise<RotationResult> {
  if (plan.compromised.length === 0 || plan.compromised.length > COMPROMISED_ADDRESSES_MAX) throw new IncidentError('ROTATION_INVALID', `1..${COMPROMISED_ADDRESSES_MAX} compromised addresses`);
  if (plan.destination === 'cold' && (plan.coldAddress === undefined || plan.coldAddress.length === 0)) throw new IncidentError('ROTATION_INVALID', 'a cold destination needs the cold address');
  deps.desk.consume(deps.proposalId, { action: 'incident.key_rotation', payload: rotationPayload(plan), actorId: deps.actor.id, nowMs: deps.clock() });
  const step = (name: string, detail: Record<string, unknown>) =>
    deps.log.append({ atMs: deps.clock(), actor: deps.actor.id, action: 'incident.key_rotation', ip: '', before: null, after: { incidentId: plan.incidentId, chain: plan.chain, step: name, ...detail } });

  const newWallet = await deps.custody.generateHotWallet(plan.chain, plan.incidentId);
  if (newWallet.addresses.length === 0) throw new IncidentError('ROTATION_INVALID', 'the new hot wallet has no address');
  for (const a of newWallet.addresses) deps.own.add(plan.chain, a);
  step('new_hot_wallet', { walletId: newWallet.walletId, keyPath: newWallet.keyPath, addresses: [...newWallet.addresses] });

  const to = plan.destination === 'cold' ? plan.coldAddress! : newWallet.addresses[0]!;
  if (plan.destination === 'cold') deps.own.add(plan.chain, to);
  const remaining = await deps.custody.remainingOn(plan.chain, plan.compromised);
  let movedMinor = 0n;
  let feeMinor = 0n;
  let moveTxid: string | null = null;
  if (remaining > 0n) {
    const intentId = `${plan.incidentId}:rotation:${plan.chain}`;
    const move = await deps.custody.prepareMove(plan.chain, plan.compromised, to, intentId);
    if (move.intent.kind !== 'rotation' || move.intent.id !== intentId) throw new IncidentError('ROTATION_INVALID', 'custody returned a different intent', { intentId: move.intent.id });
    deps.registry.register(move.intent);
    deps.registry.addTxid(intentId, move.txid);
    step('move_registered', { intentId, to, amountMinor: move.amountMinor, feeMinor: move.feeMinor, txid: move.txid });
    await deps.custody.broadcast(intentId);
    movedMinor = move.amountMinor;
    feeMinor = move.feeMinor;
    moveTxid = move.txid;
    step('move_broadcast', { intentId, txid: move.txid });
  }
  await deps.custody.retireAddresses(plan.chain, plan.compromised, to);
  step('retired', { addresses: [...plan.compromised], sweepTo: to });
  let rederived: RotationResult['rederived'] = null;
  if (plan.rederiveDeposits) {
    rederived = await deps.custody.rederiveDepositAddresses(plan.chain, plan.incidentId);
    step('deposit_addresses_rederived', rederived);
  }
  return { newWallet, movedMinor, feeMinor, moveTxid, rederived };
}
