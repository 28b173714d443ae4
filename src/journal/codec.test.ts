import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Command } from '../core/commands.ts';
import { arbCommand } from '../core/testing/generators.ts';
import { decodeCommand, encodeCommand } from './codec.ts';
import { JournalError } from './errors.ts';

test('every command round-trips exactly (binary and JSON forms)', () => {
  fc.assert(
    fc.property(arbCommand, fc.integer({ min: 0, max: 2 ** 48 }), fc.option(fc.string({ maxLength: 40 })), (c, ts, coid) => {
      const cmd = { ...c, ts, ...(c.type === 'order.place' && coid !== null ? { clientOrderId: coid } : {}) } as Command;
      assert.deepEqual(decodeCommand(encodeCommand(cmd)), cmd);
    }),
    { numRuns: 500 },
  );
});

test('hostile payloads are typed errors', () => {
  const good = encodeCommand({ type: 'order.place', ts: 5, userId: 1, market: 'BTC/AED', side: 'buy', kind: 'limit', tif: 'GTC', priceTicks: 1, qtyLots: 1 });
  for (let cut = 0; cut < good.length; cut++) assert.throws(() => decodeCommand(good.subarray(0, cut)), JournalError);
  assert.throws(() => decodeCommand(Uint8Array.from([...good, 0])), JournalError);
  assert.throws(() => decodeCommand(Uint8Array.from([9, 1, 2])), JournalError);
  const badEnum = Uint8Array.from(good);
  badEnum[1 + 8 + 8 + 2 + 7] = 7; // side byte
  assert.throws(() => decodeCommand(badEnum), JournalError);
  assert.throws(() => decodeCommand(Uint8Array.from([0, 0x7b])), JournalError);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
      try {
        decodeCommand(bytes);
      } catch (e) {
        assert.ok(e instanceof JournalError);
      }
    }),
    { numRuns: 2000 },
  );
});
