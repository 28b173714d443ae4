import { formatDecimal } from '../shared/decimal.ts';
import type { Publication } from './publish.ts';

/**
 * The public proof-of-reserves page: static HTML, no login, no script. Every snapshot with
 * its root, totals and ratio per asset, links to the files an auditor downloads, and how a
 * customer checks their own proof. Every value is escaped (the page is built from files).
 */

const DECIMALS: Record<string, number> = { AED: 2, BTC: 8, ETH: 18 };

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function amount(asset: string, minor: string): string {
  const d = DECIMALS[asset];
  try {
    return d === undefined ? `${minor} (minor units)` : formatDecimal(BigInt(minor), d);
  } catch {
    return '?';
  }
}

export interface PublicPageOptions {
  /** Where the browser verifier lives in the web app. */
  verifierUrl?: string;
  /** Base URL of the files (snapshot.json, bundle.json) as served. */
  filesBaseUrl?: string;
}

export function renderPublicPage(history: readonly Publication[], options: PublicPageOptions = {}): string {
  const verifierUrl = options.verifierUrl ?? '/reserves';
  const base = options.filesBaseUrl ?? '.';
  const rows = history.map((p) => {
    const assets = p.assets.map((a, i) => {
      const r = p.ratios?.[a];
      const ratio = r === undefined ? 'no reserves published' : `${r.ratio} ${r.covered ? '(covered)' : '<strong>(SHORT)</strong>'}`;
      return `<li>${esc(a)}: owed ${esc(amount(a, p.totals[i] ?? '0'))}${r === undefined ? '' : `, held ${esc(amount(a, r.reserves))}`}; ratio ${r === undefined ? esc(ratio) : ratio.replace(r.ratio, esc(r.ratio))}</li>`;
    });
    const root = esc(p.rootHash);
    return `<tr>
  <td>${esc(p.snapshotTime)}<br><small>journal seq ${esc(p.journalSeq)}, ${p.leafCount} customers</small></td>
  <td><code>${root}</code></td>
  <td><ul>${assets.join('')}</ul></td>
  <td><a href="${esc(base)}/${root}/snapshot.json">snapshot.json</a>${p.hasBundle ? `<br><a href="${esc(base)}/${root}/bundle.json">bundle.json</a>` : ''}</td>
</tr>`;
  });
  const latest = history[0];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Rampart proof of reserves</title>
<style>body{font-family:system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem}table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.5rem;vertical-align:top;text-align:left}code{word-break:break-all}</style>
</head>
<body>
<h1>Proof of reserves</h1>
<p>Each snapshot commits to every customer balance in a Merkle-sum tree (root below) and lists every reserve
address with its balance at a stated block height and a signature proving control. Bank balances are declared
from the reconciled statement (a bank cannot sign); auditors confirm them with the bank.
${latest === undefined ? 'No snapshot has been published yet.' : `Latest: ${esc(latest.snapshotTime)}, ${latest.allCovered === null ? 'reserves not published' : latest.allCovered ? 'every asset covered' : '<strong>an asset is below 100%</strong>'}.`}</p>
<h2>Verify my proof</h2>
<p>Download your inclusion proof from your account (Reserves page, or <code>GET /api/v1/reserves/proof</code>). Then either open the
<a href="${esc(verifierUrl)}">browser verifier</a> (it runs in your browser, independent of the server's code that built the tree), or run
<code>rampart por verify PROOF.json --root ROOT</code> with the root from this page. Check that the balances it prints are the ones your account showed at
the snapshot time. Auditors: <code>rampart por verify-bundle bundle.json --snapshot snapshot.json</code> checks every signature, block height and total, and the ratio.</p>
<h2>Snapshots</h2>
<table>
<thead><tr><th>Snapshot</th><th>Liabilities root</th><th>Per asset</th><th>Files</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
</body>
</html>
`;
}
