import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isIdentityError } from './errors.ts';
import { cidrContains, formatCidr, formatIp, ipAllowed, parseCidr, parseIp } from './ip.ts';

test('parseIp: IPv4 and IPv6 forms', () => {
  assert.equal(formatIp(parseIp('192.0.2.1')), '192.0.2.1');
  assert.equal(formatIp(parseIp('0.0.0.0')), '0.0.0.0');
  assert.equal(formatIp(parseIp('2001:db8::1')), '2001:db8::1');
  assert.equal(formatIp(parseIp('2001:DB8:0:0:0:0:0:1')), '2001:db8::1');
  assert.equal(formatIp(parseIp('::')), '::');
  assert.equal(formatIp(parseIp('::1')), '::1');
  assert.equal(formatIp(parseIp('fe80::')), 'fe80::');
  assert.equal(formatIp(parseIp('1:0:0:2:0:0:0:3')), '1:0:0:2::3');
  assert.equal(formatIp(parseIp('64:ff9b::192.0.2.33')), '64:ff9b::c000:221');
  // IPv4-mapped becomes IPv4 (Node reports dual-stack peers like this).
  assert.deepEqual(parseIp('::ffff:192.0.2.1'), parseIp('192.0.2.1'));
  assert.deepEqual(parseIp('::FFFF:c000:0201'), parseIp('192.0.2.1'));
});

test('parseIp: hostile input is IP_INVALID', () => {
  const bad = [
    '', ' 1.2.3.4', '1.2.3.4 ', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1.2.3.04', '0x7f.0.0.1', '2130706433',
    '1.2.3.-1', '1..2.3', '１.２.３.４', '1.2.3.4/32', '[::1]', '::1%eth0', 'fe80::1%25en0', ':::', '1::2::3', '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7', '12345::', 'g::1', '::1.2.3', '::1.2.3.4.5', '1.2.3.4::', '::ffff:256.1.1.1', ':1::', '1::2:', '1:2:3:4:5:6:7:8::',
    'a'.repeat(100), 'localhost', null, 12, {},
  ];
  for (const b of bad) assert.throws(() => parseIp(b), (e) => isIdentityError(e, 'IP_INVALID'), String(b));
});

test('property: IPv4 and IPv6 round-trip through canonical text', () => {
  fc.assert(
    fc.property(fc.ipV4(), (ip) => {
      assert.equal(formatIp(parseIp(ip)), ip);
    }),
    { numRuns: 200 },
  );
  fc.assert(
    fc.property(fc.ipV6(), (ip) => {
      const a = parseIp(ip);
      assert.deepEqual(parseIp(formatIp(a)), a);
    }),
    { numRuns: 300 },
  );
});

test('CIDR parsing and matching', () => {
  const c = parseCidr('192.0.2.0/24');
  assert.equal(formatCidr(c), '192.0.2.0/24');
  assert.ok(cidrContains(c, parseIp('192.0.2.255')));
  assert.ok(!cidrContains(c, parseIp('192.0.3.0')));
  assert.ok(cidrContains(c, parseIp('::ffff:192.0.2.7')), 'mapped peer matches IPv4 entry');
  assert.equal(formatCidr(parseCidr('203.0.113.5')), '203.0.113.5/32');
  assert.equal(formatCidr(parseCidr('2001:db8::/48')), '2001:db8::/48');
  assert.ok(cidrContains(parseCidr('2001:db8::/48'), parseIp('2001:db8:0:ffff::1')));
  assert.ok(!cidrContains(parseCidr('2001:db8::/48'), parseIp('2001:db8:1::1')));
  assert.ok(!cidrContains(parseCidr('2001:db8::/48'), parseIp('192.0.2.1')), 'families never cross');
  assert.equal(formatCidr(parseCidr('::ffff:192.0.2.0/120')), '192.0.2.0/24');
  assert.ok(cidrContains(parseCidr('10.1.0.0/17'), parseIp('10.1.127.255')));
  assert.ok(!cidrContains(parseCidr('10.1.0.0/17'), parseIp('10.1.128.0')));
});

test('CIDR: hostile or over-broad entries are IP_INVALID', () => {
  const bad = ['0.0.0.0/0', '10.0.0.0/8', '::/0', '2000::/3', '10.0.0.1/24', '192.0.2.0/33', '192.0.2.0/', '192.0.2.0/024', '192.0.2.0/-1',
    '192.0.2.0/24/24', '2001:db8::/129', '::ffff:192.0.2.0/64', '/24', 'x/24', '192.0.2.0/ 24', '192.0.2.0/2e1'];
  for (const b of bad) assert.throws(() => parseCidr(b), (e) => isIdentityError(e, 'IP_INVALID'), b);
});

test('ipAllowed: malformed client addresses never match', () => {
  const list = [parseCidr('192.0.2.0/24'), parseCidr('2001:db8::/32')];
  assert.ok(ipAllowed(list, '192.0.2.10'));
  assert.ok(ipAllowed(list, '2001:db8::dead:beef'));
  for (const ip of ['192.0.2.10 ', '0300.0.2.10', '192.0.2', undefined, '', '192.0.2.10,1.1.1.1', 'unknown']) assert.equal(ipAllowed(list, ip), false, String(ip));
  assert.equal(ipAllowed([], '192.0.2.10'), false);
});
