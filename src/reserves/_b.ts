import { runPorBench } from './bench.ts';
console.log(runPorBench({ accounts: Number(process.argv[2] ?? 100000), proofSamples: 500, hashCompareCount: 50000 }));
