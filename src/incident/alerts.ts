import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IncidentError } from './errors.ts';

/** What every alert carries: the incident id and a link to it in the admin console. */
export interface Alert {
  readonly incidentId: string;
  readonly link: string;
  readonly severity: 'critical' | 'high' | 'info';
  readonly title: string;
  readonly body: string;
  readonly atMs: number;
}

export interface AlertDelivery {
  readonly channel: string;
  readonly ok: boolean;
  readonly attempts: number;
  readonly detail: string;
}

export interface AlertChannel {
  readonly name: string;
  send(alert: Alert): Promise<AlertDelivery>;
}

export const WEBHOOK_ATTEMPTS_MAX = 10;
export const WEBHOOK_TIMEOUT_MS_DEFAULT = 2_000;

export interface WebhookOptions {
  readonly url: string;
  /** Total attempts including the first (1..10). */
  readonly attempts?: number;
  readonly timeoutMs?: number;
  /** Delay before retry n (1-based); default 200 ms × 2^(n−1). */
  readonly backoffMs?: (retry: number) => number;
  readonly fetchImpl?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** POSTs the alert as JSON; a 2xx is delivered, anything else is retried a bounded number of times. */
export class WebhookChannel implements AlertChannel {
  readonly name = 'webhook';
  readonly #o: Required<Omit<WebhookOptions, 'fetchImpl'>> & { fetchImpl: typeof fetch };

  constructor(options: WebhookOptions) {
    let u: URL;
    try {
      u = new URL(options.url);
    } catch {
      throw new IncidentError('ALERT_FAILED', 'webhook url is not a URL');
    }
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new IncidentError('ALERT_FAILED', 'webhook url must be http(s)');
    const attempts = options.attempts ?? 3;
    if (!Number.isSafeInteger(attempts) || attempts < 1 || attempts > WEBHOOK_ATTEMPTS_MAX) throw new IncidentError('ALERT_FAILED', `attempts must be 1..${WEBHOOK_ATTEMPTS_MAX}`);
    this.#o = {
      url: u.toString(),
      attempts,
      timeoutMs: options.timeoutMs ?? WEBHOOK_TIMEOUT_MS_DEFAULT,
      backoffMs: options.backoffMs ?? ((n) => 200 * 2 ** (n - 1)),
      fetchImpl: options.fetchImpl ?? fetch,
      sleep: options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
    };
  }

  async send(alert: Alert): Promise<AlertDelivery> {
    const body = JSON.stringify({ incidentId: alert.incidentId, link: alert.link, severity: alert.severity, title: alert.title, body: alert.body, atMs: alert.atMs });
    let detail = '';
    for (let attempt = 1; attempt <= this.#o.attempts; attempt++) {
      if (attempt > 1) await this.#o.sleep(this.#o.backoffMs(attempt - 1));
      try {
        const res = await this.#o.fetchImpl(this.#o.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-rampart-incident': alert.incidentId },
          body,
          signal: AbortSignal.timeout(this.#o.timeoutMs),
        });
        if (res.status >= 200 && res.status < 300) return { channel: this.name, ok: true, attempts: attempt, detail: `HTTP ${res.status}` };
        detail = `HTTP ${res.status}`;
      } catch (e) {
        detail = (e as Error).name || 'error';
      }
    }
    return { channel: this.name, ok: false, attempts: this.#o.attempts, detail };
  }
}

/**
 * Writes each alert as an RFC 5322 message file into an outbox folder (the mail relay
 * or an operator picks them up). Written to a temporary name and renamed, so a reader
 * never sees half a message.
 */
export class EmailOutboxChannel implements AlertChannel {
  readonly name = 'email';
  readonly #dir: string;
  readonly #to: readonly string[];
  readonly #from: string;
  #n = 0;

  constructor(options: { dir: string; to: readonly string[]; from: string }) {
    const addr = /^[^\s@<>"]+@[^\s@<>"]+$/;
    if (options.to.length === 0 || !options.to.every((t) => addr.test(t)) || !addr.test(options.from)) throw new IncidentError('ALERT_FAILED', 'email addresses invalid');
    this.#dir = options.dir;
    this.#to = options.to;
    this.#from = options.from;
    mkdirSync(this.#dir, { recursive: true });
  }

  async send(alert: Alert): Promise<AlertDelivery> {
    const n = ++this.#n;
    const name = `${alert.atMs}-${alert.incidentId}-${n}.eml`;
    writeFileSync(join(this.#dir, `.${name}.tmp`), emailText(alert, this.#from, this.#to, `${alert.incidentId}.${alert.atMs}.${n}@rampart.invalid`));
    renameSync(join(this.#dir, `.${name}.tmp`), join(this.#dir, name));
    return { channel: this.name, ok: true, attempts: 1, detail: name };
  }
}

/** Header values never carry CR/LF (header injection). */
function headerSafe(s: string): string {
  return s.replace(/[\r\n]+/g, ' ').slice(0, 200);
}

export function emailText(alert: Alert, from: string, to: readonly string[], messageId: string): string {
  return [
    `From: ${from}`,
    `To: ${to.join(', ')}`,
    `Subject: ${headerSafe(`[${alert.severity.toUpperCase()}] ${alert.incidentId}: ${alert.title}`)}`,
    `Date: ${new Date(alert.atMs).toUTCString()}`,
    `Message-ID: <${messageId}>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    `X-Rampart-Incident: ${headerSafe(alert.incidentId)}`,
    '',
    alert.body,
    '',
    `Incident: ${alert.incidentId}`,
    `Link: ${alert.link}`,
    '',
  ].join('\r\n');
}

/** Sends one alert on every channel; never throws (a dead webhook must not stop the response). */
export async function dispatchAlert(channels: readonly AlertChannel[], alert: Alert): Promise<AlertDelivery[]> {
  return Promise.all(
    channels.map((c) => c.send(alert).catch((e: unknown) => ({ channel: c.name, ok: false, attempts: 1, detail: (e as Error)?.message?.slice(0, 200) ?? 'error' }))),
  );
}
