import { assert } from '../shared/assert.ts';
import { IdentityError } from './errors.ts';

/**
 * Strict IPv4 / IPv6 / CIDR parsing and matching for API-key allowlists.
 * IPv4: dotted decimal, exactly four octets, no leading zeros (inet_aton would read
 * "010" as octal 8: ambiguity an attacker can exploit, so it is refused).
 * IPv6: RFC 4291 §2.2 text forms, at most one "::", optional trailing dotted IPv4;
 * no zone ids, no brackets. IPv4-mapped IPv6 (::ffff:a.b.c.d, what Node reports on
 * dual-stack sockets) is treated as the IPv4 address it carries (RFC 4291 §2.5.5.2).
 */

export interface IpAddress {
  version: 4 | 6;
  bytes: Uint8Array; // 4 or 16
}

export interface Cidr extends IpAddress {
  prefix: number;
}

const TEXT_LENGTH_MAX = 64;

const invalid = (what: string) => new IdentityError('IP_INVALID', `invalid ${what}`);

function parseIpv4(text: string): Uint8Array | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    out[i] = n;
  }
  return out;
}

function parseIpv6(text: string): Uint8Array | null {
  if (!/^[0-9A-Fa-f:.]+$/.test(text)) return null;
  const halves = text.split('::');
  if (halves.length > 2) return null;
  // A dotted IPv4 tail is allowed only as the very last group of the text.
  const toWords = (s: string, allowV4Tail: boolean): number[] | null => {
    if (s === '') return [];
    const parts = s.split(':');
    const words: number[] = [];
    for (let i = 0; i < parts.length; i++) {
      const g = parts[i]!;
      if (allowV4Tail && i === parts.length - 1 && g.includes('.')) {
        const v4 = parseIpv4(g);
        if (!v4) return null;
        words.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else if (/^[0-9A-Fa-f]{1,4}$/.test(g)) {
        words.push(Number.parseInt(g, 16));
      } else {
        return null;
      }
    }
    return words;
  };
  const single = halves.length === 1;
  const head = toWords(halves[0]!, single);
  const tail = single ? [] : toWords(halves[1]!, true);
  if (!head || !tail) return null;
  let groups: number[];
  if (single) {
    if (head.length !== 8) return null;
    groups = head;
  } else {
    // "::" stands for one or more zero groups (RFC 4291 §2.2 item 2).
    if (head.length + tail.length > 7) return null;
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  }
  assert(groups.length === 8, 'ipv6 groups');
  const out = new Uint8Array(16);
  groups.forEach((w, i) => {
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 0xff;
  });
  return out;
}

function unmap(addr: IpAddress): IpAddress {
  if (addr.version === 6) {
    const b = addr.bytes;
    let mapped = b[10] === 0xff && b[11] === 0xff;
    for (let i = 0; i < 10 && mapped; i++) if (b[i] !== 0) mapped = false;
    if (mapped) return { version: 4, bytes: b.slice(12) };
  }
  return addr;
}

/** Parses one IP address (IPv4-mapped IPv6 becomes IPv4). Throws IP_INVALID. */
export function parseIp(text: unknown): IpAddress {
  if (typeof text !== 'string' || text.length === 0 || text.length > TEXT_LENGTH_MAX) throw invalid('IP address');
  if (!text.includes(':')) {
    const v4 = parseIpv4(text);
    if (!v4) throw invalid('IPv4 address');
    return { version: 4, bytes: v4 };
  }
  const v6 = parseIpv6(text);
  if (!v6) throw invalid('IPv6 address');
  return unmap({ version: 6, bytes: v6 });
}

/** Narrowest acceptable allowlist entries: anything broader is not an allowlist. */
export const CIDR_PREFIX_MIN = { 4: 16, 6: 32 } as const;

/**
 * Parses "addr" or "addr/prefix". Host bits must be zero (10.0.0.1/8 is refused:
 * the operator probably meant a single host). Prefixes broader than /16 (IPv4) or
 * /32 (IPv6) are refused.
 */
export function parseCidr(text: unknown): Cidr {
  if (typeof text !== 'string' || text.length === 0 || text.length > TEXT_LENGTH_MAX) throw invalid('CIDR');
  const slash = text.indexOf('/');
  const addrText = slash < 0 ? text : text.slice(0, slash);
  const rawAddr = parseIp(addrText);
  const wasMapped = addrText.includes(':') && rawAddr.version === 4;
  const bits = wasMapped ? 128 : rawAddr.bytes.length * 8;
  let prefix = bits;
  if (slash >= 0) {
    const p = text.slice(slash + 1);
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > bits) throw invalid('CIDR prefix');
    prefix = Number(p);
  }
  if (wasMapped) {
    if (prefix < 96) throw invalid('CIDR prefix for IPv4-mapped address');
    prefix -= 96;
  }
  if (prefix < CIDR_PREFIX_MIN[rawAddr.version]) throw invalid('CIDR (too broad)');
  const masked = maskBytes(rawAddr.bytes, prefix);
  for (let i = 0; i < masked.length; i++) if (masked[i] !== rawAddr.bytes[i]) throw invalid('CIDR (host bits set)');
  return { version: rawAddr.version, bytes: rawAddr.bytes, prefix };
}

function maskBytes(bytes: Uint8Array, prefix: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const bitsHere = Math.max(0, Math.min(8, prefix - 8 * i));
    out[i] = bytes[i]! & ((0xff << (8 - bitsHere)) & 0xff);
  }
  return out;
}

export function cidrContains(cidr: Cidr, addr: IpAddress): boolean {
  if (cidr.version !== addr.version) return false;
  const a = maskBytes(addr.bytes, cidr.prefix);
  for (let i = 0; i < a.length; i++) if (a[i] !== cidr.bytes[i]) return false;
  return true;
}

/** Canonical text: dotted IPv4, RFC 5952 IPv6 (lowercase, longest zero run as ::). */
export function formatIp(addr: IpAddress): string {
  if (addr.version === 4) return [...addr.bytes].join('.');
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push((addr.bytes[2 * i]! << 8) | addr.bytes[2 * i + 1]!);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

export function formatCidr(c: Cidr): string {
  return `${formatIp(c)}/${c.prefix}`;
}

/** True when `ip` (untrusted text) is inside any entry. Malformed ip → false. */
export function ipAllowed(allowlist: readonly Cidr[], ip: unknown): boolean {
  let addr: IpAddress;
  try {
    addr = parseIp(ip);
  } catch {
    return false;
  }
  return allowlist.some((c) => cidrContains(c, addr));
}
