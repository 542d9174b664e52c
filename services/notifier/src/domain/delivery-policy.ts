/** What one delivery attempt came to. `permanent`: the receiver refused in a way no retry will change. */
export type AttemptResult = { ok: true } | { ok: false; permanent: boolean; error: string };

export type NextStep =
  | { status: 'SENT' }
  | { status: 'FAILED'; error: string }
  | { status: 'PENDING'; delayMs: number; error: string };

export interface RetryPolicy {
  maxAttempts: number;
  baseMs: number;
  maxMs: number;
}

/**
 * Delay before the next attempt after `attempt` failed attempts in this round: base x 2^(attempt-1), capped,
 * then "equal jitter" (a random point in the upper half) so notifications that failed together, say during
 * an SMTP outage, do not all come back in the same instant, while none comes back much earlier than planned.
 */
export function retryDelayMs(
  attempt: number,
  policy: Pick<RetryPolicy, 'baseMs' | 'maxMs'>,
  random: number,
): number {
  const exponent = Math.max(0, Math.min(attempt - 1, 40));
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
  const r = Math.min(Math.max(random, 0), 1);
  return Math.round(ceiling / 2 + (ceiling / 2) * r);
}

/**
 * After attempt number `roundAttempt` of the current round (1-based; a manual retry starts a new round):
 * SENT on success, FAILED when the refusal is permanent or the round's budget is spent, else try again later.
 */
export function nextStep(
  result: AttemptResult,
  roundAttempt: number,
  policy: RetryPolicy,
  random: number,
): NextStep {
  if (result.ok) return { status: 'SENT' };
  if (result.permanent || roundAttempt >= policy.maxAttempts)
    return { status: 'FAILED', error: result.error };
  return { status: 'PENDING', delayMs: retryDelayMs(roundAttempt, policy, random), error: result.error };
}

/**
 * A webhook answer: 2xx delivered; 408, 425, 429 and 5xx are the receiver's passing trouble; any other
 * status (a 4xx, or a redirect we do not follow with a POST) will not change by sending the same again.
 */
export function webhookResult(status: number): AttemptResult {
  if (status >= 200 && status < 300) return { ok: true };
  const transient = status === 408 || status === 425 || status === 429 || status >= 500;
  return { ok: false, permanent: !transient, error: `webhook answered ${status}` };
}

/**
 * An SMTP failure: a 5xx reply is a permanent refusal (unknown mailbox, relay denied, bad credentials),
 * a 4xx reply a temporary one. A message nodemailer cannot build or address (EENVELOPE, EMESSAGE) never
 * will be. Anything else happened on the way (ECONNECTION, ETIMEDOUT, ESOCKET, EDNS, ...): retried.
 */
export function smtpResult(error: { code?: string; responseCode?: number; message: string }): AttemptResult {
  const message = error.message.slice(0, 500);
  if (typeof error.responseCode === 'number') {
    return { ok: false, permanent: error.responseCode >= 500 && error.responseCode < 600, error: message };
  }
  if (error.code === 'EENVELOPE' || error.code === 'EMESSAGE')
    return { ok: false, permanent: true, error: message };
  return { ok: false, permanent: false, error: message };
}
