import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { checkDepositReference, checkIban, matchNames, parseCamt, parsePain001, parsePain002 } from '../banking/index.ts';
import { describePsbt, parseAddress as parseBtcAddress } from '../chains/btc/index.ts';
import { accountFromSeed, parseAddress as parseEthAddress, parseSigned, parseUnsigned, serializeUnsigned, signTransfer } from '../chains/eth/index.ts';
import { defaultCoreConfig } from '../core/config.ts';
import { lotsToQty, marketUnits, priceToTicks, qtyToLots, ticksToPrice } from '../core/units.ts';
import { decodeCommand, encodeCommand } from '../journal/codec.ts';
import { verifyInclusionProof } from '../reserves/index.ts';
import { CounterpartyRegistry, parseBlocklistCsv, parseOfacSdnXml, verifyFreezeRequest } from '../screening/index.ts';
import { formatDecimal, parseDecimal, parseMinor } from '../shared/decimal.ts';
import { RampartError } from '../shared/errors.ts';
import { parseSafeXml } from '../shared/xml.ts';

/**
 * Fuzz targets: every parser of untrusted input, fed random and mutated-valid input.
 * The invariant everywhere: the parser returns (a value or its documented result
 * object) or throws a typed RampartError; anything else (TypeError, RangeError, a
 * stack overflow, a hang) is a bug.
 */
export interface Target {
  readonly name: string;
  /** Relative share of the run's cases. */
  readonly weight: number;
  readonly arb: fc.Arbitrary<unknown>;
  /** Throws FuzzViolation on a broken invariant; a typed error is fine. */
  run(input: unknown): void | Promise<void>;
}

export class FuzzViolation extends Error {}

/** Calls `f`; a RampartError is an accepted rejection, anything else a violation. */
export const outcomes = { accepted: 0, rejected: 0 };

export async function typedOnly(f: () => unknown): Promise<'ok' | 'rejected'> {
  try {
    await f();
    outcomes.accepted++;
    return 'ok';
  } catch (e) {
    if (e instanceof RampartError) {
      outcomes.rejected++;
      return 'rejected';
    }
    throw new FuzzViolation(`untyped error: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  }
}

/** Random text, or a valid sample with random edits (insert, delete, replace a span). */
export function mutated(seeds: readonly string[], maxLength = 2_000): fc.Arbitrary<string> {
  const edit = fc.tuple(fc.nat(), fc.nat({ max: 40 }), fc.string({ maxLength: 40, unit: 'binary' }));
  return fc.oneof(
    { weight: 1, arbitrary: fc.string({ maxLength, unit: 'binary' }) },
    { weight: 1, arbitrary: fc.string({ maxLength: 200, unit: fc.constantFrom(...'<>/="\' &;:#x0aZ9.-+eE\n'.split('')) }) },
    {
      weight: 4,
      arbitrary: fc.tuple(fc.constantFrom(...seeds), fc.array(edit, { maxLength: 4 })).map(([s, edits]) => {
        let t = s;
        for (const [at, del, ins] of edits) {
          const i = t.length === 0 ? 0 : at % (t.length + 1);
          t = t.slice(0, i) + ins + t.slice(i + del);
        }
        return t;
      }),
    },
  );
}

const decimalText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.stringMatching(/^-?[0-9]{0,25}(\.[0-9]{0,25})?([eE][+-]?[0-9]{1,3})?$/),
  fc.constantFrom('0', '1.00', '-0', '00.1', '1e3', ' 1', '1 ', '.5', '5.', 'NaN', 'Infinity', '0x10', '1_000', '١٢٣', '9'.repeat(120)),
);
const anyJson = fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.anything({ maxDepth: 3 }));

const ns053 = 'urn:iso:std:iso:20022:tech:xsd:camt.053.001.08';
const CAMT = [
  `<?xml version="1.0"?><Document xmlns="${ns053}"><BkToCstmrStmt><GrpHdr><MsgId>M1</MsgId><CreDtTm>2026-01-01T00:00:00</CreDtTm></GrpHdr><Stmt><Id>S1</Id><CreDtTm>2026-01-01T00:00:00</CreDtTm><Acct><Id><IBAN>AE070331234567890123456</IBAN></Id><Ccy>AED</Ccy></Acct><Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="AED">100.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-01-01</Dt></Dt></Bal><Ntry><Amt Ccy="AED">10.50</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-01-01</Dt></BookgDt><ValDt><Dt>2026-01-01</Dt></ValDt><AcctSvcrRef>R1</AcctSvcrRef><NtryDtls><TxDtls><RmtInf><Ustrd>RMP-ABCD-EFGH</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry></Stmt></BkToCstmrStmt></Document>`,
  `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"><BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>X</MsgId></GrpHdr><Ntfctn><Id>N</Id></Ntfctn></BkToCstmrDbtCdtNtfctn></Document>`,
];
const PAIN002 = [
  `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"><CstmrPmtStsRpt><GrpHdr><MsgId>S1</MsgId><CreDtTm>2026-01-01T00:00:00</CreDtTm></GrpHdr><OrgnlGrpInfAndSts><OrgnlMsgId>P1</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId><GrpSts>ACCP</GrpSts></OrgnlGrpInfAndSts><OrgnlPmtInfAndSts><OrgnlPmtInfId>B1</OrgnlPmtInfId><TxInfAndSts><OrgnlEndToEndId>E1</OrgnlEndToEndId><TxSts>RJCT</TxSts><StsRsnInf><Rsn><Cd>AC04</Cd></Rsn></StsRsnInf></TxInfAndSts></OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>`,
];
const PAIN001 = [
  `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"><CstmrCdtTrfInitn><GrpHdr><MsgId>P1</MsgId><CreDtTm>2026-01-01T00:00:00</CreDtTm><NbOfTxs>1</NbOfTxs><CtrlSum>10.00</CtrlSum><InitgPty><Nm>Rampart</Nm></InitgPty></GrpHdr><PmtInf><PmtInfId>B1</PmtInfId><PmtMtd>TRF</PmtMtd><NbOfTxs>1</NbOfTxs><CtrlSum>10.00</CtrlSum><ReqdExctnDt><Dt>2026-01-01</Dt></ReqdExctnDt><Dbtr><Nm>Rampart</Nm></Dbtr><DbtrAcct><Id><IBAN>AE070331234567890123456</IBAN></Id></DbtrAcct><DbtrAgt><FinInstnId><BICFI>EBILAEAD</BICFI></FinInstnId></DbtrAgt><CdtTrfTxInf><PmtId><EndToEndId>E1</EndToEndId></PmtId><Amt><InstdAmt Ccy="AED">10.00</InstdAmt></Amt><Cdtr><Nm>Fatima</Nm></Cdtr><CdtrAcct><Id><IBAN>AE460090000000123456789</IBAN></Id></CdtrAcct></CdtTrfTxInf></PmtInf></CstmrCdtTrfInitn></Document>`,
];
const OFAC = [
  // The screening module's own sample of the real SDN export (the seed mutations start from).
  readFileSync(new URL('../screening/fixtures/sdn_sample.xml', import.meta.url), 'utf8'),
  `<?xml version="1.0"?><sdnList xmlns="https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/XML"><publshInformation><Publish_Date>01/01/2026</Publish_Date><Record_Count>1</Record_Count></publshInformation><sdnEntry><uid>1</uid><lastName>X</lastName><sdnType>Entity</sdnType><idList><id><uid>2</uid><idType>Digital Currency Address - XBT</idType><idNumber>bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4</idNumber></id><id><uid>3</uid><idType>Digital Currency Address - ETH</idType><idNumber>0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed</idNumber></id></idList></sdnEntry></sdnList>`,
];
const CSV = ['chain,address,reason\nBTC,bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4,theft\nETH,0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed,"quoted, reason"\n', 'chain,address\r\nETH,0x0000000000000000000000000000000000000000\r\n'];
const XML_GENERIC = [...CAMT, ...PAIN002, '<a b="1">t<c/>&amp;&lt;</a>', '<!DOCTYPE x [<!ENTITY e "x">]><x>&e;</x>', '<?pi x?><r/>', '<r><![CDATA[x]]></r>'];
const BTC_ADDR = ['bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4', 'bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr', '1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2', '3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy', 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4', 'tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx'];
const ETH_ADDR = ['0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359', '0x0000000000000000000000000000000000000000'];
const PSBT = ['cHNidP8BAHUCAAAAASaBcTce3/KF6Tet7qSze3gADAVmy7OtZGQXE8pCFxv2AAAAAAD+////AtPf9QUAAAAAGXapFNDFmQPFusKGh2DpD9UhpGZap2UgiKwA4fUFAAAAABepFDVF5uM7gyxHBQ8k0+65PJwDlIvHh7MuEwAAAQD9pQEBAAAAAAECiaPHHqtNIOA3G7ukzGmPopXJRjr6Ljl/hTPMti+VZ+UBAAAAFxYAFL4Y0VKpsBIDna89p95PUzSe7LmF/////4b4qkOnHf8USIk6UwpyN+9rRgi7st0tAXHmOuxqSJC0AQAAABcWABT+Pp7xp0XpdNkCxDVZQ6vLNL1TU/////8CAMLrCwAAAAAZdqkUhc/xCX/Z4Ai7NK9wnGIZeziXikiIrHL++E4sAAAAF6kUM5cluiHv1irHU6m80GfWx6ajnQWHAkcwRAIgJxK+IuAnDzlPVoMR3HyppolwuAJf3TskAinwf4pfOiQCIAGLONfc0xTnNMkna9b7QPZzMlvEuqFEyADS8vAtsnZcASED0uFWdJQbrUqZY3LLh+GFbTZSYG2YVi/jnF6efkE/IQUCSDBFAiEA0SuFLYXc2WHS9fSrZgZU327tzHlMDDPOXMMJ/7X85Y0CIGczio4OFyXBl/saiK9Z9R5E5CVbIBZ8hoQDHAXR8lkqASECI7cr7vCWXRC+B3jv7NYfysb3mk6haTkzgHNEZPhPKrMAAAAAAAAA', 'cHNidP8BAAoCAAAAAAAAAAAAAA=='];
const SAMPLE_TRANSFER = { chainId: 31337, nonce: 3n, to: '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359', valueWei: 10n ** 17n, gasLimit: 21_000n, maxFeePerGasWei: 3_000_000_000n, maxPriorityFeePerGasWei: 1_000_000_000n } as unknown as Parameters<typeof serializeUnsigned>[0];
const ETH_TX = [
  serializeUnsigned(SAMPLE_TRANSFER),
  // A genuinely signed transfer (deterministic RFC 6979 signature) for parseSigned's seed.
  (await signTransfer(SAMPLE_TRANSFER, accountFromSeed(new Uint8Array(64).fill(7), 0))).raw,'0x02f86b0180843b9aca00850ba43b740082520894fb6916095ca1df60bb79ce92ce3ea74c37c5d359880de0b6b3a764000080c0', '0x02e80180843b9aca00850ba43b740082520894fb6916095ca1df60bb79ce92ce3ea74c37c5d35980c0'];
const IBANS = ['AE070331234567890123456', 'AE46 0090 0000 0012 3456 789', 'GB82WEST12345698765432', 'ae070331234567890123456'];
const REFS = ['RMP-ABCD-EFGH', 'rmp abcd efgh', 'RMPABCDEFGH'];
const NAMES = ['Fatima Al Mansoori', 'MOHAMMED BIN RASHID', 'Mohd. bin Rashid', 'عبد الله'];

const units = marketUnits(defaultCoreConfig.assets, defaultCoreConfig.markets[0]!);
const registry = new CounterpartyRegistry();
// A genuine encoded command as the codec's mutation seed.
const SAMPLE_COMMANDS = [encodeCommand({ type: 'deposit', userId: 1, asset: 'AED', amount: 1000n, source: 'bank', ref: 'r1' } as Parameters<typeof encodeCommand>[0])];
const bytes = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc.tuple(fc.constantFrom(...SAMPLE_COMMANDS), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.nat({ max: 8 })).map(([b, at, v, cut]) => {
    const c = new Uint8Array(b);
    if (c.length > 0) c[at % c.length] = v;
    return c.slice(0, Math.max(0, c.length - cut));
  }),
);

const sync =
  (f: (x: never) => unknown) =>
  async (x: unknown): Promise<void> => {
    await typedOnly(() => f(x as never));
  };

/** Result-object parsers must not throw at all except typed errors; result must be an object. */
const resultObject =
  (f: (x: never) => unknown) =>
  async (x: unknown): Promise<void> => {
    await typedOnly(() => {
      const r = f(x as never);
      if (r === null || typeof r !== 'object') throw new FuzzViolation(`expected a result object, got ${String(r)}`);
    });
  };

export const parserTargets: readonly Target[] = [
  {
    name: 'decimal.parseDecimal',
    weight: 6,
    arb: fc.tuple(decimalText, fc.integer({ min: 0, max: 18 })),
    async run(x) {
      const [t, d] = x as [string, number];
      const r = await typedOnly(() => {
        const v = parseDecimal(t, d);
        // Round trip: what parses formats back to a string that parses to the same value.
        if (parseDecimal(formatDecimal(v, d), d) !== v) throw new FuzzViolation(`round trip broke for ${JSON.stringify(t)}`);
      });
      void r;
    },
  },
  { name: 'decimal.parseMinor', weight: 2, arb: fc.oneof(decimalText, anyJson), run: sync((x: unknown) => parseMinor(x)) },
  { name: 'xml.parseSafeXml', weight: 6, arb: mutated(XML_GENERIC), run: sync((x: string) => parseSafeXml(x)) },
  { name: 'banking.parseCamt', weight: 8, arb: mutated(CAMT, 4_000), run: sync((x: string) => parseCamt(x)) },
  { name: 'banking.parsePain002', weight: 6, arb: mutated(PAIN002), run: sync((x: string) => parsePain002(x)) },
  { name: 'banking.parsePain001', weight: 6, arb: mutated(PAIN001), run: sync((x: string) => parsePain001(x)) },
  { name: 'banking.checkIban', weight: 5, arb: fc.oneof(mutated(IBANS, 60), anyJson), run: resultObject((x: unknown) => checkIban(x)) },
  { name: 'banking.checkDepositReference', weight: 4, arb: mutated(REFS, 60), run: resultObject((x: string) => checkDepositReference(x)) },
  { name: 'banking.matchNames', weight: 4, arb: fc.tuple(mutated(NAMES, 200), fc.option(mutated(NAMES, 200), { nil: undefined })), run: resultObject((x: [string, string | undefined]) => matchNames(x[0], x[1])) },
  { name: 'btc.parseAddress', weight: 6, arb: fc.tuple(fc.oneof(mutated(BTC_ADDR, 100), anyJson), fc.constantFrom(undefined, 'mainnet', 'testnet', 'regtest')), run: sync((x: [unknown, 'mainnet' | undefined]) => parseBtcAddress(x[0], x[1])) },
  {
    name: 'btc.describePsbt',
    weight: 5,
    arb: fc.oneof(mutated(PSBT, 1_000), fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from([0x70, 0x73, 0x62, 0x74, 0xff, ...b]).toString('base64'))),
    run: sync((x: string) => describePsbt(x)),
  },
  { name: 'eth.parseAddress', weight: 5, arb: fc.oneof(mutated(ETH_ADDR, 100), anyJson), run: sync((x: unknown) => parseEthAddress(x)) },
  { name: 'eth.parseUnsigned', weight: 4, arb: fc.oneof(mutated(ETH_TX, 400), fc.uint8Array({ maxLength: 200 }).map((b) => `0x02${Buffer.from(b).toString('hex')}`), anyJson), run: sync((x: unknown) => parseUnsigned(x)) },
  { name: 'eth.parseSigned', weight: 3, arb: fc.oneof(mutated(ETH_TX, 400), fc.uint8Array({ maxLength: 200 }).map((b) => `0x02${Buffer.from(b).toString('hex')}`), anyJson), run: sync((x: unknown) => parseSigned(x)) },
  { name: 'screening.parseOfacSdnXml', weight: 5, arb: mutated(OFAC, 3_000).map((x) => x.slice(0, 200_000)), run: sync((x: string) => parseOfacSdnXml(x)) },
  { name: 'screening.parseBlocklistCsv', weight: 5, arb: mutated(CSV, 1_000), run: resultObject((x: string) => parseBlocklistCsv(x)) },
  {
    name: 'screening.verifyFreezeRequest',
    weight: 3,
    arb: fc.oneof(fc.string({ maxLength: 500 }), anyJson, fc.record({ request: anyJson, signature: fc.string(), counterpartyId: fc.string() })),
    run: sync((x: unknown) => verifyFreezeRequest(x, { registry, nowMs: 1_750_000_000_000, isSeen: () => false })),
  },
  { name: 'journal.decodeCommand', weight: 6, arb: bytes, run: sync((x: Uint8Array) => decodeCommand(x)) },
  {
    name: 'reserves.verifyInclusionProof',
    weight: 4,
    arb: fc.tuple(anyJson, fc.oneof(fc.string({ maxLength: 70 }), fc.stringMatching(/^[0-9a-f]{64}$/))),
    run: resultObject((x: [unknown, string]) => verifyInclusionProof(x[0], x[1])),
  },
  {
    name: 'core.units',
    weight: 4,
    arb: fc.tuple(fc.oneof(decimalText, anyJson), fc.integer()),
    async run(x) {
      const [t, n] = x as [unknown, number];
      await typedOnly(() => priceToTicks(units, t));
      await typedOnly(() => qtyToLots(units, t));
      await typedOnly(() => ticksToPrice(units, n));
      await typedOnly(() => lotsToQty(units, n));
    },
  },
];
