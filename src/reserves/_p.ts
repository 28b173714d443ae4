import { syntheticAccounts } from './bench.ts';
import { buildLiabilitiesTree } from './tree.ts';
const accounts = syntheticAccounts(200000);
const t0 = performance.now();
buildLiabilitiesTree({ accounts, assets: ['AED','BTC','ETH'], snapshotSalt: new Uint8Array(32), snapshotTime: '2026-11-25T12:00:00Z', journalSeq: 1n });
console.log(performance.now() - t0);
