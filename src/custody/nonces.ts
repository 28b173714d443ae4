import type * as eth from '../chains/eth/index.ts';

/**
 * Nonces of the ETH hot address, shared by every service that has the signer sign from it
 * (withdrawals, hot→cold). Next = max(node's pending count, highest nonce we know was signed + 1),
 * so neither a restarted process nor a node that lost its mempool makes two transactions
 * compete for one nonce. Callers report every signed entry they learn of (observe) before asking.
 */
export class EthNonceSource {
  private readonly client: eth.EthClient;
  private readonly address: eth.EthAddress;
  private highestSigned = -1n;
  private lock: Promise<unknown> = Promise.resolve();

  constructor(client: eth.EthClient, address: eth.EthAddress) {
    this.client = client;
    this.address = address;
  }

  observe(nonce: bigint): void {
    if (nonce > this.highestSigned) this.highestSigned = nonce;
  }

  /** Runs `sign(nonce)` with the next nonce, one at a time; the nonce counts as used once sign resolves. */
  withNext<T extends { eth?: { nonce: bigint } }>(sign: (nonce: bigint) => Promise<T>): Promise<T> {
    const run = this.lock.then(async () => {
      const pending = await this.client.getNonce(this.address, 'pending');
      const next = pending > this.highestSigned + 1n ? pending : this.highestSigned + 1n;
      const entry = await sign(next);
      if (entry.eth !== undefined) this.observe(entry.eth.nonce);
      return entry;
    });
    this.lock = run.catch(() => undefined);
    return run;
  }
}
