import type { FastifyInstance } from 'fastify';
import type { PorStore, Publication } from '../reserves/index.ts';
import { authenticateNative } from './auth.ts';
import type { ApiContext } from './context.ts';
import { ApiError } from './errors.ts';
import { addRoute } from './route.ts';
import type { ApiPermission } from '../identity/index.ts';

/** Latest publication in the shape the web app shows: per asset reserves, liabilities, ratio. */
export function publicationJson(p: Publication) {
  return {
    time: Date.parse(p.publishedAt),
    rootHash: p.rootHash,
    snapshotTime: p.snapshotTime,
    journalSeq: p.journalSeq,
    leafCount: p.leafCount,
    allCovered: p.allCovered,
    assets: p.assets.map((asset, i) => {
      const r = p.ratios?.[asset];
      return { asset, liabilities: p.totals[i]!, reserves: r?.reserves ?? null, ratio: r?.ratio ?? null, covered: r?.covered ?? null };
    }),
  };
}

/**
 * Proof of reserves over the API: the latest publication and history (public, no login),
 * and each customer's own inclusion proof (authenticated; only ever the caller's own).
 * Amounts are integer minor units as strings, exactly as the tree commits to them.
 */
export function reservesPlugin(ctx: ApiContext, store: PorStore) {
  return async (app: FastifyInstance): Promise<void> => {
    const auth = (req: Parameters<typeof authenticateNative>[1], p: ApiPermission) => authenticateNative(ctx, req, p);
    addRoute(app, auth, {
      method: 'GET',
      url: '/reserves',
      summary: 'Latest proof-of-reserves publication (root, totals, ratios) and the history of snapshots',
      tags: ['public'],
      handler: async () => {
        const latest = store.latestPublication();
        return { ...(latest === undefined ? { rootHash: null, assets: [] } : publicationJson(latest)), history: store.history().map(publicationJson) };
      },
    });
    addRoute(app, auth, {
      method: 'GET',
      url: '/reserves/proof',
      summary: "The caller's inclusion proof in the latest liabilities snapshot",
      tags: ['account'],
      auth: 'read',
      handler: async ({ principal }) => {
        const latest = store.latestPublication();
        if (latest === undefined) throw new ApiError('NOT_FOUND', 'no proof-of-reserves snapshot has been published yet');
        let proof: Awaited<ReturnType<PorStore['proofFor']>>;
        try {
          proof = await store.proofFor(principal!.userId);
        } catch {
          throw new ApiError('NOT_FOUND', 'you held no balance in the latest snapshot');
        }
        return { proof, expected: { customerId: proof.customerId, balances: Object.fromEntries(proof.assets.map((a, i) => [a, proof.balances[i]!])) } };
      },
    });
  };
}
