import type { GatewayOutcome } from './outcome';

export type PaymentStatus = 'PENDING' | 'SUCCEEDED' | 'FAILED';
export type PaymentFailureReason = 'DECLINED' | 'GATEWAY_TIMEOUT' | 'GATEWAY_ERROR';

/** The final result of a payment: set once, never changed afterwards. */
export type Decision =
  | { status: 'SUCCEEDED'; reason: null; detail: null }
  | { status: 'FAILED'; reason: PaymentFailureReason; detail: string };

/**
 * What a gateway callback does to a payment: decide it while it is PENDING; once decided, the callback is
 * only recorded (`late`), whatever it says, so a result that was already announced never flips.
 */
export type CallbackEffect =
  { kind: 'decide'; decision: Decision } | { kind: 'late'; outcome: GatewayOutcome };

export function isFinal(status: PaymentStatus): boolean {
  return status !== 'PENDING';
}

export function onGatewayCallback(
  status: PaymentStatus,
  outcome: GatewayOutcome,
  detail?: string | null,
): CallbackEffect {
  if (isFinal(status)) return { kind: 'late', outcome };
  if (outcome === 'SUCCEEDED')
    return { kind: 'decide', decision: { status: 'SUCCEEDED', reason: null, detail: null } };
  return {
    kind: 'decide',
    decision: { status: 'FAILED', reason: 'DECLINED', detail: detail?.trim() || 'declined by the gateway' },
  };
}

/** A payment still PENDING when its time is up fails as a gateway timeout; a decided one is left alone. */
export function onTimeout(
  status: PaymentStatus,
  timeoutMs: number,
  neverAccepted: boolean,
): Decision | undefined {
  if (isFinal(status)) return undefined;
  const detail = neverAccepted
    ? `gateway timeout: the gateway did not accept the charge within ${timeoutMs} ms`
    : `gateway timeout: no callback within ${timeoutMs} ms`;
  return { status: 'FAILED', reason: 'GATEWAY_TIMEOUT', detail };
}

/** The gateway refused the charge request itself (a 4xx other than 408/429): no later attempt can succeed. */
export function onChargeRefused(
  status: PaymentStatus,
  httpStatus: number,
  detail: string,
): Decision | undefined {
  if (isFinal(status)) return undefined;
  return {
    status: 'FAILED',
    reason: 'GATEWAY_ERROR',
    detail: `gateway refused the charge (${httpStatus}): ${detail}`,
  };
}

export type SubmitFailureKind = 'retry' | 'refused';

/**
 * How a failed charge request is handled. Network errors, timeouts, 5xx, 408 and 429 are the gateway's
 * trouble and are retried; another 4xx means the request itself is wrong and would fail again.
 */
export function classifySubmitFailure(httpStatus: number | undefined): SubmitFailureKind {
  if (httpStatus === undefined) return 'retry';
  if (httpStatus >= 400 && httpStatus < 500 && httpStatus !== 408 && httpStatus !== 429) return 'refused';
  return 'retry';
}

/** Exponential backoff for charge requests: 200 ms, 400 ms, ... capped at 10 s. */
export function submitRetryDelayMs(attempt: number, initialMs = 200, maxMs = 10_000): number {
  return Math.min(maxMs, initialMs * 2 ** Math.max(0, Math.min(attempt - 1, 20)));
}

export interface ReservationToCharge {
  order_id: string;
  currency: string;
  total_cents: number;
  lines: readonly { line_total_cents: number }[];
}

/** Why a reservation cannot be charged; empty when it can. Such a message is dead-lettered, not retried. */
export function reservationProblems(event: ReservationToCharge): string[] {
  const problems: string[] = [];
  if (event.order_id.trim() === '') problems.push('order_id is empty');
  if (!/^[A-Z]{3}$/.test(event.currency))
    problems.push(`currency ${JSON.stringify(event.currency)} is not ISO 4217`);
  if (!Number.isSafeInteger(event.total_cents) || event.total_cents < 0)
    problems.push(`total_cents ${event.total_cents} is not a non-negative integer`);
  const sum = event.lines.reduce((total, line) => total + line.line_total_cents, 0);
  if (event.lines.length > 0 && sum !== event.total_cents)
    problems.push(`total_cents ${event.total_cents} differs from the sum of the lines ${sum}`);
  return problems;
}
