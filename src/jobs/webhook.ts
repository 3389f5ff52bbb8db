/**
 * Job webhooks: one POST of the final job status when a job ends, retried with exponential
 * backoff until the receiver answers 2xx. Only hosts on WEBHOOK_HOSTS are ever called (checked at
 * submit time), so jobs cannot make the service probe arbitrary addresses.
 */

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

/** POSTs `payload` as JSON until a 2xx answer or the attempts run out; resolves with success. */
export async function deliverWebhook(url: string, payload: unknown, opts: WebhookOptions = WEBHOOK_DEFAULTS, onAttempt: (n: number, status: number | string) => void = () => {}): Promise<boolean> {
  let delay = opts.baseDelayMs;
  for (let n = 1; n <= opts.attempts; n++) {
    try {
      const res = await fetch(url, {
        method: 'POST', body: JSON.stringify(payload), redirect: 'manual',
        headers: { 'content-type': 'application/json', 'user-agent': 'letterpress-webhook' },
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
