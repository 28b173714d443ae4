/**
 * First-party name check: is the payer named on an incoming transfer the customer whose
 * deposit reference it carries? UAE banks credit AED transfers by IBAN alone and do not check
 * the payer's name (notes/standards.md), so this rule is Rampart's job: money from a third party
 * goes to suspense, not to the customer's balance (anti-money-laundering, account-takeover abuse).
 *
 * Deliberately NOT fuzzy scoring on raw strings: a name is turned into a multiset of canonical
 * tokens by fixed, documented steps, and two names match only by the rules below.
 *
 *  1. Unicode NFKD, drop combining marks (é → e), lower case.
 *  2. Hyphen/apostrophe articles are removed: "Al-Mansoori", "El-Sayed", "ar-Rahman" → "mansoori", "sayed", "rahman".
 *  3. Other punctuation becomes a space (". , ' ’ ` - _ / ( )").
 *  4. Stand-alone articles "al", "el", "ul" are dropped; after "abd" also the sun-letter forms
 *     (ar, ur, as, us, ad, az, an, at, ash).
 *  5. Patronymic particles bin / ben / ibn / bn / bint / binti are dropped (banks often omit them).
 *  6. "Abd" compounds are joined: "abdul rahman", "abd al rahman", "abdel rahman", "abdurrahman",
 *     "abdulrahman" → "abdrahman" (any "abd" + article form + one of the divine names in DIVINE_NAMES).
 *  7. VARIANTS (below) maps common transliterations to one spelling (muhammad, husain, yusuf, …).
 *  8. Folding inside every token: doubled letters collapse, "ee" → "i", "oo"/"ou" → "u", final
 *     "h" after a vowel is dropped (fatimah → fatima, abdullah → abdulla).
 *  Arabic script is compared as Arabic (diacritics removed, alef forms unified, ta marbuta → ha,
 *  alef maqsura → ya); Arabic against Latin never matches (SCRIPT_MISMATCH): no transliteration guessing.
 *
 * Match rules, in order: equal multisets → 'exact'; otherwise when the shorter name has at least
 * two tokens and all of them occur in the longer one → 'subset' (banks print two or three of a
 * customer's four or five names). Word order is ignored throughout.
 *
 * Truncation: a payer name exactly 35, 70 or 140 characters long (SWIFT 35-character lines,
 * ISO 20022 Max70Text/Max140Text) may have been cut mid-word; its last word is then dropped
 * before comparing, and the subset rule decides (it still needs two whole tokens).
 */
export const TRUNCATION_LENGTHS: readonly number[] = [35, 70, 140];

/** Canonical spelling ← variants. Keys are post-step-3 lower-case tokens. */
export const VARIANTS: Readonly<Record<string, readonly string[]>> = {
  muhammad: ['mohammed', 'mohammad', 'mohamed', 'mohamad', 'muhammed', 'muhamad', 'muhamed', 'mohammod', 'mohd', 'mhd', 'mohamud', 'mahomed', 'mouhamed'],
  ahmad: ['ahmed', 'ahmet', 'ahamed'],
  husain: ['hussain', 'hussein', 'husein', 'hossain', 'hussien', 'hosein', 'houssein', 'hussin'],
  hasan: ['hassan', 'hasen', 'hassen'],
  yusuf: ['yousef', 'youssef', 'yousif', 'yusef', 'yousuf', 'youssif', 'yussuf', 'yosef', 'youcef'],
  umar: ['omar', 'omer'],
  uthman: ['othman', 'osman', 'usman', 'outhman'],
  khalid: ['khaled'],
  said: ['saeed', 'saied', 'saeid', 'saiid', 'sayeed'],
  fatima: ['fatma', 'fatimah', 'fatemeh', 'fatema', 'fathima'],
  aisha: ['ayesha', 'aysha', 'aicha', 'aishah', 'ayisha', 'aesha'],
  ibrahim: ['ebrahim', 'ibraheem', 'ibrahem', 'brahim'],
  abdullah: ['abdallah', 'abdulla', 'abdalla', 'abdollah'],
  rashid: ['rashed', 'rasheed'],
  hamid: ['hamed', 'hameed'],
  mahmud: ['mahmoud', 'mahmood', 'mehmood'],
  mustafa: ['mostafa', 'moustafa', 'mustapha', 'mostapha'],
  nasir: ['nasser', 'naser', 'nassir', 'nasr'],
  jamal: ['gamal'],
  zaynab: ['zainab', 'zeinab', 'zenab'],
  maryam: ['mariam', 'meriam', 'maryem'],
  khadija: ['khadijah', 'khadeeja', 'khadeejah', 'khadidja'],
  saif: ['seif', 'sayf', 'saifh'],
  faisal: ['faysal', 'feisal', 'faycal'],
  mansuri: ['mansoori', 'mansouri'],
  suwaidi: ['suwaidy', 'sowaidi'],
  qasim: ['kasim', 'qassim', 'kassem', 'qasem'],
  abbas: ['abass'],
};

/** Divine names that follow "abd" (step 6), in folded form. */
export const DIVINE_NAMES: readonly string[] = [
  'rahman', 'rahim', 'aziz', 'karim', 'latif', 'majid', 'hamid', 'hakim', 'halim', 'jabar', 'qadir', 'kadir',
  'wahab', 'razak', 'razaq', 'malik', 'salam', 'gani', 'ghani', 'hadi', 'basit', 'hafiz', 'nasir', 'fatah',
  'jalil', 'jalal', 'wahid', 'mun', 'muhsin', 'rauf', 'raouf', 'samad', 'sattar', 'wadud', 'bari', 'kader', 'ilah',
];

const VARIANT_OF: ReadonlyMap<string, string> = new Map(Object.entries(VARIANTS).flatMap(([canon, vs]) => [[canon, canon] as const, ...vs.map((v) => [v, canon] as const)]));
const ARTICLES = new Set(['al', 'el', 'ul']);
const SUN_ARTICLES = new Set(['ar', 'ur', 'as', 'us', 'ad', 'az', 'an', 'at', 'ash', 'al', 'el', 'ul']);
const PARTICLES = new Set(['bin', 'ben', 'ibn', 'bn', 'bint', 'binti']);
/** Longest name processed; ISO 20022 Nm is Max140Text, KYC names are shorter. */
export const NAME_LENGTH_MAX = 256;

function fold(token: string): string {
  return token
    .replace(/(.)\1+/g, '$1')
    .replace(/ee/g, 'i')
    .replace(/o[ou]/g, 'u')
    .replace(/([aeiou])h$/, '$1');
}

const ABD_COMPOUND = /^abd(?:ul|el|al|ol|u|ur|ar|us|as|ad|az|an|at|ash)?(.+)$/;

function canonicalToken(t: string): string {
  const v = VARIANT_OF.get(t);
  return fold(v ?? t);
}

const ARABIC_RE = /[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]/;
const LATIN_RE = /[a-z]/i;

function arabicTokens(name: string): string[] {
  return name
    .normalize('NFKC')
    .replace(/[\u064B-\u065F\u0670\u0640]/g, '') // tashkeel and tatweel
    .replace(/[أإآٱ]/g, 'ا')
    .replace(/ة/g, 'ه')
    .replace(/ى/g, 'ي')
    .split(/[\s\u060C.,\-_/()]+/)
    .map((t) => t.replace(/^ال(?=..)/, '')) // the article, when something remains
    .filter((t) => t.length > 0 && t !== 'بن' && t !== 'بنت' && t !== 'ابن');
}

/** Canonical tokens of a Latin-script name, sorted (word order ignored). Exported for tests and docs. */
export function canonicalNameTokens(name: string): string[] {
  if (ARABIC_RE.test(name)) return arabicTokens(name).sort();
  const lower = name
    .slice(0, NAME_LENGTH_MAX)
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    // Step 2: hyphenated/apostrophised articles ("al-", "el-", "ar-", "ad-Din").
    .replace(/(^|[\s.,])(?:al|el|ul|ar|ur|as|us|ad|az|an|at|ash)[-'’`]\s*/g, '$1');
  const raw = lower.split(/[\s.,'’`\-_/()]+/).filter((t) => t.length > 0);
  const out: string[] = [];
  for (let i = 0; i < raw.length; i++) {
    let t = raw[i]!;
    if (PARTICLES.has(t)) continue;
    if (ARTICLES.has(t)) continue;
    if (t === 'abd' || t === 'abdul' || t === 'abdel' || t === 'abdal' || t === 'abdu' || t === 'abdol') {
      // "abdul rahman", "abd al rahman", "abd ar rahman" → "abdrahman"; a bare "abdul" stays.
      let j = i + 1;
      while (j < raw.length && SUN_ARTICLES.has(raw[j]!)) j++;
      const next = raw[j];
      if (next !== undefined && DIVINE_NAMES.includes(fold(VARIANT_OF.get(next) ?? next))) {
        out.push(`abd${fold(VARIANT_OF.get(next) ?? next)}`);
        i = j;
        continue;
      }
      out.push('abd');
      continue;
    }
    if (VARIANT_OF.has(t)) {
      out.push(canonicalToken(t));
      continue;
    }
    const m = ABD_COMPOUND.exec(t);
    if (m !== null) {
      const rest = fold(VARIANT_OF.get(m[1]!) ?? m[1]!);
      if (DIVINE_NAMES.includes(rest)) t = `abd${rest}`;
    }
    out.push(canonicalToken(t));
  }
  return out.sort();
}

export type NameMatch =
  | { match: true; rule: 'exact' | 'subset' }
  | {
      match: false;
      reason: 'EMPTY_NAME' | 'SCRIPT_MISMATCH' | 'TOKENS_DIFFER';
      /** Canonical tokens of the customer's KYC name absent from the payer name, and vice versa. */
      missing: string[];
      extra: string[];
    };

function multisetMinus(a: readonly string[], b: readonly string[]): string[] {
  const rest = [...b];
  const out: string[] = [];
  for (const t of a) {
    const k = rest.indexOf(t);
    if (k >= 0) rest.splice(k, 1);
    else out.push(t);
  }
  return out;
}

/** Compares the payer name on a bank entry with the customer's KYC name. */
export function matchNames(kycName: string, payerName: string | undefined): NameMatch {
  if (payerName === undefined || payerName.trim() === '' || kycName.trim() === '') return { match: false, reason: 'EMPTY_NAME', missing: [], extra: [] };
  const kycArabic = ARABIC_RE.test(kycName);
  const payerArabic = ARABIC_RE.test(payerName);
  if (kycArabic !== payerArabic || (payerArabic && LATIN_RE.test(payerName)) || (kycArabic && LATIN_RE.test(kycName))) {
    return { match: false, reason: 'SCRIPT_MISMATCH', missing: [], extra: [] };
  }
  const kyc = canonicalNameTokens(kycName);
  const words = payerName.trim().split(/\s+/);
  const cut = TRUNCATION_LENGTHS.includes(payerName.length) && words.length >= 3;
  const payer = canonicalNameTokens(cut ? words.slice(0, -1).join(' ') : payerName);
  if (kyc.length === 0 || payer.length === 0) return { match: false, reason: 'EMPTY_NAME', missing: [], extra: [] };
  const missing = multisetMinus(kyc, payer);
  const extra = multisetMinus(payer, kyc);
  if (missing.length === 0 && extra.length === 0) return { match: true, rule: 'exact' };
  const shorter = Math.min(kyc.length, payer.length);
  if (shorter >= 2 && (missing.length === 0 || extra.length === 0)) return { match: true, rule: 'subset' };
  return { match: false, reason: 'TOKENS_DIFFER', missing, extra };
}
