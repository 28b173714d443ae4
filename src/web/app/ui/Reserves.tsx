import { type FormEvent, useId, useState } from 'react';
import { type ProofCheck, verifyInclusionProof } from '../../../reserves/verify.ts';
import { api } from '../api.ts';
import { Num, Panel, Show, useLoad } from './common.tsx';
import { useApp } from './context.tsx';

/**
 * Proof of reserves: the published ratio per asset, and "verify my balance", which runs
 * src/reserves/verify.ts (the independent verifier, SHA-256 from @noble/hashes) here in
 * the browser: nothing about the check depends on trusting the server's answer.
 */
export function Reserves() {
  const { t, loggedIn } = useApp();
  const id = useId();
  const [report] = useLoad(() => api.reserves(), []);
  const [proofText, setProofText] = useState('');
  const [root, setRoot] = useState('');
  const [result, setResult] = useState<ProofCheck | null>(null);
  const [msg, setMsg] = useState('');

  const verifyPasted = (e: FormEvent) => {
    e.preventDefault();
    setMsg('');
    try {
      setResult(verifyInclusionProof(JSON.parse(proofText), root.trim()));
    } catch (err) {
      setResult(null);
      setMsg(err instanceof Error ? err.message : String(err));
    }
  };
  const verifyMine = async () => {
    setMsg('');
    try {
      const [{ proof, expected }, rep] = await Promise.all([api.myReservesProof(), api.reserves()]);
      setResult(verifyInclusionProof(proof, rep.rootHash, { customerId: expected.customerId, balances: expected.balances }));
    } catch (err) {
      setMsg(err instanceof Error ? err.message : String(err));
    }
  };

  return (
    <div className="pages">
      <h1>{t('reserves')}</h1>
      <div className="cols">
        <Panel title={t('reserveRatio')} id="ratio">
          <Show value={report} route="GET /api/v1/reserves">
            {(r) => (
              <>
                <table className="grid">
                  <thead>
                    <tr>
                      <th scope="col">{t('asset')}</th>
                      <th scope="col">{t('reservesHeld')}</th>
                      <th scope="col">{t('liabilities')}</th>
                      <th scope="col">{t('reserveRatio')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {r.assets.map((a) => (
                      <tr key={a.asset}>
                        <th scope="row">{a.asset}</th>
                        <td>
                          <Num>{a.reserves}</Num>
                        </td>
                        <td>
                          <Num>{a.liabilities}</Num>
                        </td>
                        <td>
                          <Num className={a.covered === false ? 'strong down' : 'strong'}>{a.ratio}</Num>
                          {a.covered === false && <span className="down"> ✗</span>}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                <p className="muted small">
                  {t('rootHash')}: <Num className="mono break">{r.rootHash}</Num>
                  {r.snapshotTime !== undefined && (
                    <>
                      {' '}
                      · <Num>{r.snapshotTime}</Num>
                    </>
                  )}
                  {r.journalSeq !== undefined && (
                    <>
                      {' '}
                      · seq <Num>{r.journalSeq}</Num>
                    </>
                  )}
                </p>
              </>
            )}
          </Show>
        </Panel>
        <Panel title={t('verifyMyBalance')} id="verify">
          <p className="muted small">{t('verifyHint')}</p>
          {loggedIn && (
            <button type="button" className="btn" onClick={verifyMine}>
              {t('verifyMyBalance')}
            </button>
          )}
          <form onSubmit={verifyPasted} className="stack">
            <label htmlFor={`${id}-root`}>{t('rootHash')}</label>
            <input id={`${id}-root`} dir="ltr" className="mono" value={root} onChange={(e) => setRoot(e.target.value)} placeholder="64 hex" />
            <label htmlFor={`${id}-proof`}>{t('proofJson')}</label>
            <textarea id={`${id}-proof`} dir="ltr" rows={5} className="mono" value={proofText} onChange={(e) => setProofText(e.target.value)} />
            <button type="submit" className="btn">
              {t('submit')}
            </button>
          </form>
          <div role="status" data-testid="verify-result">
            {result?.ok === true && (
              <p className="ok">
                ✓ {t('verified')} (#<Num>{result.index}</Num>, seq <Num>{result.journalSeq}</Num>)
              </p>
            )}
            {result?.ok === false && (
              <p className="error">
                ✗ {t('verifyFailed')}: <code>{result.code}</code> {result.message}
              </p>
            )}
            {msg !== '' && <p className="error">{msg}</p>}
          </div>
        </Panel>
      </div>
    </div>
  );
}
