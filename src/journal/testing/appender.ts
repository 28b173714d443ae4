// Test helper: appends records forever, printing each sequence number once it is durable.
import { encodeCommand } from '../codec.ts';
import { FileJournal } from '../fileJournal.ts';
import { Journal } from '../journal.ts';

const j = new Journal(new FileJournal(process.argv[2]!));
await j.open();
for (let i = 1; ; i++) {
  const seq = j.lastSeq + 1;
  j.append(encodeCommand({ type: 'deposit', ts: i, userId: 1, asset: 'AED', amount: BigInt(i), source: 'bank', ref: `r${i}` })).then(() => process.stdout.write(`${seq}\n`));
  if (i % 100 === 0) await new Promise((r) => setImmediate(r));
}
