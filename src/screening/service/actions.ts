import { readFileSync } from 'node:fs';
import type { Engine } from '../../engine/engine.ts';
import { addNote, approveReturn, type Ctx, keepFrozen, ledgerInstruction, openCase, proposeReturn, rejectReturn, release } from '../cases.ts';
import { importCsv, parseBlocklistCsv } from '../csv.ts';
import { ScreeningError } from '../errors.ts';
import { blocklistFreezeItems, buildFreezeResponse, type FreezeResponse, type Holding, matchFreezeRequest, signFreezeResponse, verifyFreezeRequest } from '../freezeRequest.ts';
import { importOfac, parseOfacSdnXml } from '../ofac.ts';
import { buildStrXml, type StrParty, type StrPerson } from '../str.ts';
import type { Chain } from '../types.ts';
import { SCREENING_ACTOR, SYSTEM_AUTHORITY } from './screener.ts';
import type { ScreeningStore, StoredCase } from './store.ts';

type Submit = Pick<Engine, 'submit'>;

function need(store: ScreeningStore, caseId: string): StoredCase {
  const c = store.getCase(caseId);
  if (c === undefined) throw new ScreeningError('CASE_NOT_FOUND', 'no such case', { caseId });
  return c;
}

async function submitOrThrow(engine: Submit, cmd: Parameters<Engine['submit']>[0], caseId: string): Promise<void> {
  const r = await engine.submit(cmd);
  // A duplicate is the core saying "already done" (idempotent by ref): a retried action is fine.
  if (!r.ok && r.error?.code !== 'DUPLICATE') throw new ScreeningError('LEDGER_REFUSED', 'the core refused the case action', { caseId, code: r.error?.code, command: cmd.type });
}

/** Staff note (every state). */
export function noteCase(store: ScreeningStore, caseId: string, text: string, ctx: Ctx): StoredCase {
  const t = addNote(need(store, caseId).case, text, ctx);
  return store.updateCase(t.case, t.audit);
}

export function keepCaseFrozen(store: ScreeningStore, caseId: string, rationale: string, ctx: Ctx): StoredCase {
  const t = keepFrozen(need(store, caseId).case, rationale, ctx);
  return store.updateCase(t.case, t.audit);
}

/**
 * Release: the case module's transition, then the engine command
 * `funds.unfreeze {userId, asset, amount, ref: 'case-release:<caseId>'}` (deposit and
 * freeze-request cases; a released withdrawal case just lets the withdrawal be signed on the
 * processor's next pass). The case is stored as released only after the core acknowledged, so a
 * failed command leaves the case as it was (retry is safe: the core is idempotent by ref).
 */
export async function releaseCase(store: ScreeningStore, engine: Submit, caseId: string, rationale: string, ctx: Ctx): Promise<StoredCase> {
  const s = need(store, caseId);
  const t = release(s.case, rationale, ctx);
  const ins = ledgerInstruction(t.case);
  if (s.kind !== 'withdrawal' && ins.kind === 'unfreeze') {
    await submitOrThrow(engine, { type: 'funds.unfreeze', userId: s.userId, asset: s.asset, amount: ins.amountUnits, ref: `case-release:${caseId}` }, caseId);
  }
  return store.updateCase(t.case, t.audit);
}

/** First pair of eyes: proposes returning the frozen amount to the rightful owner's address. Store only. */
export function proposeCaseReturn(store: ScreeningStore, caseId: string, args: { toAddress: string; rationale: string }, ctx: Ctx): StoredCase {
  const t = proposeReturn(need(store, caseId).case, args, ctx);
  return store.updateCase(t.case, t.audit);
}

export function rejectCaseReturn(store: ScreeningStore, caseId: string, reason: string, ctx: Ctx): StoredCase {
  const t = rejectReturn(need(store, caseId).case, reason, ctx);
  return store.updateCase(t.case, t.audit);
}

/** The custody account the returned coins leave from: hot after a sweep, the deposit wallets before one. */
export type ReturnWallet = 'hot_wallet' | 'deposit_wallets';

/** The ledger posting a return makes: the customer's frozen liability leaves with the coins from hot. */
export function returnPosting(s: StoredCase, fromWallet: ReturnWallet = 'hot_wallet'): { type: 'ledger.post'; ref: string; memo: string; transfers: { debit: string; credit: string; amount: bigint }[] } {
  const ins = ledgerInstruction(s.case);
  if (ins.kind !== 'return') throw new ScreeningError('CASE_TRANSITION', 'case is not returned', { caseId: s.case.id, status: s.case.status });
  return {
    type: 'ledger.post',
    ref: `case-return:${s.case.id}`,
    memo: `screening return to ${ins.toAddress}`.slice(0, 256),
    transfers: [{ debit: `user:${s.userId}:${s.asset}:frozen`, credit: `system:${s.asset}:${fromWallet}`, amount: ins.amountUnits }],
  };
}

/**
 * Second pair of eyes (must differ from the proposer; the case module refuses otherwise with
 * `FOUR_EYES`), then the documented posting `ledger.post` ref `case-return:<caseId>`:
 * debit `user:<id>:<asset>:frozen` / credit `system:<asset>:<fromWallet>` (default hot_wallet). The on-chain payment
 * to `returnProposal.toAddress` is NOT created here (see docs/screening.md "Returns").
 */
export async function approveCaseReturn(store: ScreeningStore, engine: Submit, caseId: string, ctx: Ctx, fromWallet: ReturnWallet = 'hot_wallet'): Promise<StoredCase> {
  const s = need(store, caseId);
  if (s.kind === 'withdrawal') throw new ScreeningError('CASE_TRANSITION', 'a held withdrawal is released or cancelled, not returned', { caseId });
  const t = approveReturn(s.case, ctx);
  const next: StoredCase = { ...s, case: t.case };
  await submitOrThrow(engine, returnPosting(next, fromWallet), caseId);
  return store.updateCase(t.case, t.audit);
}

// ---------- CLI-callable functions ----------

export interface ImportArgs {
  readonly atMs: number;
  readonly by: string;
}

/** `rampart screening import-ofac FILE [--sync]`: OFAC SDN XML → persistent blocklist. */
export function importOfacFile(store: ScreeningStore, path: string, args: ImportArgs & { sync?: boolean; evmTickersAsEth?: string[] }) {
  const xml = readFileSync(path, 'utf8');
  const parsed = parseOfacSdnXml(xml, ...(args.evmTickersAsEth ? [{ evmTickersAsEth: args.evmTickersAsEth }] : []));
  const summary = importOfac(store.blocklist, parsed, { atMs: args.atMs, by: args.by, ...(args.sync ? { sync: true } : {}) });
  store.saveBlocklist();
  return { ...summary, skipped: parsed.skipped };
}

/** `rampart screening import-csv FILE`: chain,address,reason CSV → persistent blocklist; row errors returned. */
export function importCsvFile(store: ScreeningStore, path: string, args: ImportArgs) {
  const parsed = parseBlocklistCsv(readFileSync(path, 'utf8'));
  const r = importCsv(store.blocklist, parsed, { atMs: args.atMs, by: args.by, fileRef: path.split('/').pop() ?? 'csv' });
  store.saveBlocklist();
  return { ...r, errors: parsed.errors };
}

const chainOf = (address: string): Chain => (/^0x/i.test(address) ? 'ETH' : 'BTC');

/**
 * The breach responder's attacker addresses into the persistent blocklist (source `incident`,
 * sourceRef = the incident id). Plain strings: `0x…` is ETH, anything else BTC. Returns how many
 * were new; malformed addresses throw ADDRESS_INVALID before anything is written.
 */
export function blocklistFromIncident(
  store: ScreeningStore,
  addresses: readonly (string | { chain: Chain; address: string; reason?: string })[],
  incidentId: string,
  args: ImportArgs = { atMs: Date.now(), by: 'incident-responder' },
): number {
  const items = addresses.map((a) => (typeof a === 'string' ? { chain: chainOf(a), address: a, reason: undefined } : a));
  let added = 0;
  for (const it of items) {
    const r = store.blocklist.add({ chain: it.chain, kind: 'address', value: it.address, reason: it.reason ?? `attacker address, incident ${incidentId}`, source: 'incident', sourceRef: incidentId.slice(0, 200), addedAtMs: args.atMs, addedBy: args.by });
    if (r.added) added += 1;
  }
  store.saveBlocklist();
  return added;
}

export interface CaseSummary {
  readonly id: string;
  readonly kind: StoredCase['kind'];
  readonly status: string;
  readonly asset: string;
  readonly userId: number;
  readonly ref: string;
  readonly amountUnits: string;
  readonly openedAtMs: number;
  readonly haircutBps: number;
  readonly listedSources: string[];
}

/** `rampart screening cases [--status S]`. */
export function listCases(store: ScreeningStore, filter: { status?: string } = {}): CaseSummary[] {
  return store.listCases(filter).map((s) => ({
    id: s.case.id,
    kind: s.kind,
    status: s.case.status,
    asset: s.asset,
    userId: s.userId,
    ref: s.case.depositRef,
    amountUnits: s.case.amountUnits.toString(),
    openedAtMs: s.case.openedAtMs,
    haircutBps: s.case.evidence.exposures.haircut.bps,
    listedSources: s.case.evidence.listedSources.map((l) => `${l.source}:${l.sourceRef}`),
  }));
}

/** The reporting entity's fixed data for STRs (configuration, not per case). */
export interface StrProfile {
  readonly rentityId: string;
  readonly reportingPerson: StrPerson;
  readonly location: { readonly address: string; readonly city: string; readonly countryCode: string };
  /** FIU code lists (caller-supplied; see docs/screening.md). */
  readonly transmodeCode: string;
  readonly fundsCode: string;
  readonly institutionName: string;
}

/**
 * `rampart screening str CASE_ID`: goAML-style STR XML for a case. `amountLocalFils` is the AED
 * value at the time (the caller prices it; 0 when unknown). Customer identity beyond the internal
 * account reference is the caller's to add (`customer`).
 */
export function exportStr(store: ScreeningStore, caseId: string, args: { profile: StrProfile; nowMs: number; amountLocalFils?: bigint; customer?: StrParty; reason?: string; action?: string }): string {
  const s = need(store, caseId);
  const c = s.case;
  const p = args.profile;
  const sources = c.evidence.listedSources.map((l) => `${l.source} ${l.sourceRef}: ${l.reason}`).join('; ');
  const ours: StrParty = { kind: 'account', institutionName: p.institutionName, account: `${c.accountId}`, currencyCode: s.asset, ...(args.customer && args.customer.kind !== 'account' ? { holder: args.customer } : {}) };
  const them: StrParty = { kind: 'account', institutionName: 'unhosted', account: c.depositRef, currencyCode: s.asset };
  const incoming = s.kind !== 'withdrawal';
  return buildStrXml({
    rentityId: p.rentityId,
    submissionCode: 'E',
    entityReference: c.id,
    submissionDateMs: args.nowMs,
    reportingPerson: p.reportingPerson,
    location: p.location,
    reason: (args.reason ?? `Funds screened as exposed to listed addresses. ${c.evidence.verdictReasons.join(' ')} Sources: ${sources || 'none'}`).slice(0, 4000),
    action: (args.action ?? `Case ${c.status}; funds ${s.kind === 'withdrawal' ? 'withdrawal held' : 'frozen'} on detection.`).slice(0, 4000),
    transactions: [
      {
        transactionNumber: c.depositRef,
        internalRef: c.id,
        description: `${s.kind} screened ${c.chain}, haircut exposure ${c.evidence.exposures.haircut.bps} bps`,
        dateMs: c.openedAtMs,
        transmodeCode: p.transmodeCode,
        amountLocalFils: args.amountLocalFils ?? 0n,
        asset: { chain: c.chain, amountUnits: c.amountUnits },
        fundsCode: p.fundsCode,
        from: incoming ? them : ours,
        fromCountry: incoming ? 'ZZ' : p.location.countryCode,
        to: incoming ? ours : them,
        toCountry: incoming ? p.location.countryCode : 'ZZ',
        toIsMyClient: incoming,
        fromIsMyClient: !incoming,
      },
    ],
    indicators: c.evidence.listedSources.length > 0 ? ['VA-LISTED-EXPOSURE'] : [],
  });
}

/**
 * `rampart screening freeze-request FILE`: verifies the signed envelope against the stored
 * counterparties, refuses a request id already processed, lists its items (source
 * `freeze_request`, so later deposits are caught), freezes each matching holding through the
 * engine (`funds.freeze {userId, asset, amount, ref: 'freeze:<counterparty>:<request>:<holdingRef>'}`)
 * and opens a `freeze_request` case per frozen holding; returns the response document, signed
 * when `responseSecretKey` is given. `holdings[].accountId` must be `user:<id>:<ASSET>`.
 */
export async function handleFreezeRequest(
  store: ScreeningStore,
  envelope: unknown,
  holdings: readonly Holding[],
  args: { nowMs: number; by: string; engine?: Submit; responder?: string; responseSecretKey?: Uint8Array },
): Promise<{ response: FreezeResponse; signature?: string; caseIds: string[] }> {
  const v = verifyFreezeRequest(envelope, { registry: store.counterparties, nowMs: args.nowMs, isSeen: (k) => store.isFreezeSeen(k) });
  const matches = matchFreezeRequest(v, holdings);
  const added = blocklistFreezeItems(store.blocklist, v, { atMs: args.nowMs, by: args.by });
  store.saveBlocklist();
  const frozenRefs = new Set<string>();
  const caseIds: string[] = [];
  for (const m of matches)
    for (const h of m.holdings) {
      if (frozenRefs.has(h.holdingRef) || args.engine === undefined) continue;
      const acct = /^user:(\d+):(BTC|ETH)$/.exec(h.accountId);
      if (!acct) throw new ScreeningError('FREEZE_HOLDING_INVALID', 'holding accountId must be user:<id>:<ASSET>', { holdingRef: h.holdingRef });
      const userId = Number(acct[1]);
      const asset = acct[2] as Chain;
      const ref = `freeze:${v.dedupKey}:${h.holdingRef}`.slice(0, 200);
      const r = await args.engine.submit({ type: 'funds.freeze', userId, asset, amount: h.amountUnits, ref });
      if (!r.ok && r.error?.code !== 'DUPLICATE') continue; // not frozen (e.g. already withdrawn): reported as not_held
      frozenRefs.add(h.holdingRef);
      const caseId = `fr:${v.dedupKey}:${h.holdingRef}`.replace(/[^A-Za-z0-9_.:-]/g, '_').slice(0, 100);
      if (store.getCase(caseId) === undefined) {
        const t = openCase(
          {
            id: caseId,
            chain: asset,
            depositRef: `${v.dedupKey}:${h.holdingRef}`,
            accountId: `user:${userId}:${asset}:frozen`,
            amountUnits: h.amountUnits,
            evidence: {
              trace: { freezeRequest: v.request },
              exposures: { poison: { exposureUnits: '0', bps: 0 }, haircut: { exposureUnits: '0', bps: 0 }, fifo: { exposureUnits: '0', bps: 0 } },
              listedSources: [{ source: 'freeze_request', sourceRef: v.dedupKey, reason: v.request.reason.slice(0, 1000) }],
              verdictReasons: [`freeze request ${v.request.requestId} from ${v.counterparty.name}`],
            },
          },
          { actor: SCREENING_ACTOR, atMs: args.nowMs, authority: SYSTEM_AUTHORITY },
        );
        store.insertCase({ kind: 'freeze_request', userId, asset, case: t.case }, t.audit);
      }
      caseIds.push(caseId);
    }
  const response = buildFreezeResponse(v, matches, { frozenRefs, respondedAtMs: args.nowMs, responder: args.responder ?? 'Rampart', blocklisted: added > 0 || v.items.length > 0 });
  store.markFreezeSeen(v.dedupKey, args.nowMs, response);
  if (args.responseSecretKey) return { ...signFreezeResponse(response, args.responseSecretKey), caseIds };
  return { response, caseIds };
}
