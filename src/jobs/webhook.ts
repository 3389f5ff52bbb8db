/**
 * Job webhooks: one POST of the final job status when a job ends, retried with exponential
 * backoff until the receiver answers 2xx. Only hosts on WEBHOOK_HOSTS are ever called (checked at
 * submit time), so jobs cannot make the service probe arbitrary addresses; with SIGNING_KEYS the
 * receiver can check the body came from us (X-Letterpress-Signature).
 */
import { createHmac } from 'node:crypto';

/** Delivery options. */
export interface WebhookOptions {
  readonly attempts: number;
  /** Delay before the second attempt; doubles after each failure. */
  readonly baseDelayMs: number;
  readonly timeoutMs: number;
}

/** Default: 6 attempts over about a minute. */
export const WEBHOOK_DEFAULTS: WebhookOptions = { attempts: 6, baseDelayMs: 1000, timeoutMs: 5000 };

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms).unref());

/** The signature header value for a body: `sha256=` + hex HMAC-SHA256 under `secret`. */
export function webhookSignature(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * POSTs `payload` as JSON until a 2xx answer or the attempts run out; resolves with success.
 * With a `secret` (the first of SIGNING_KEYS) the body is signed in `X-Letterpress-Signature`.
 */
export async function deliverWebhook(url: string, payload: unknown, opts: WebhookOptions = WEBHOOK_DEFAULTS, onAttempt: (n: number, status: number | string) => void = () => {}, secret?: string): Promise<boolean> {
  let delay = opts.baseDelayMs;
  const body = JSON.stringify(payload);
  for (let n = 1; n <= opts.attempts; n++) {
    try {
      const res = await fetch(url, {
        method: 'POST', body, redirect: 'manual',
        headers: { 'content-type': 'application/json', 'user-agent': 'letterpress-webhook', ...(secret ? { 'x-letterpress-signature': webhookSignature(body, secret) } : {}) },
        signal: AbortSignal.timeout(opts.timeoutMs),
      });
      await res.arrayBuffer().catch(() => undefined);
      onAttempt(n, res.status);
      if (res.status >= 200 && res.status < 300) return true;
    } catch (err) {
      onAttempt(n, (err as Error).name);
    }
    if (n < opts.attempts) await sleep(delay);
    delay *= 2;
  }
  return false;
}
