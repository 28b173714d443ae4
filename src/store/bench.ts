export interface StoreBenchOptions {
  readonly store: 'sqlite' | 'postgres';
}
export interface StoreBenchResult {
  readonly store: 'sqlite' | 'postgres';
}
export async function runStoreBench(o: StoreBenchOptions): Promise<StoreBenchResult> {
  return { store: o.store };
}
