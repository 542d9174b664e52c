import {
  chargeAcceptedSchema,
  chargeBatchResponseSchema,
  type ChargeAccepted,
  type ChargeBatchItem,
  type ChargeBatchRequest,
  type ChargeRequest,
} from '../domain/gateway-contract';

export type ChargeResponse =
  { ok: true; charge: ChargeAccepted } | { ok: false; httpStatus?: number; error: string };

/** Sends one charge request; the payment id doubles as the gateway's idempotency key. */
export async function requestCharge(
  gatewayUrl: string,
  request: ChargeRequest,
  timeoutMs: number,
): Promise<ChargeResponse> {
  const answer = await postToGateway(gatewayUrl, '/charges', request, timeoutMs, {
    'idempotency-key': request.payment_id,
  });
  if (!answer.ok) return answer;
  const { text } = answer;
  try {
    return { ok: true, charge: chargeAcceptedSchema.parse(JSON.parse(text)) };
  } catch {
    // Accepted but unreadable: the charge may exist, so this is retried (the gateway is idempotent).
    return { ok: false, error: `unreadable gateway answer: ${summarise(text)}` };
  }
}

export type ChargeBatchResult =
  { ok: true; results: ChargeBatchItem[] } | { ok: false; httpStatus?: number; error: string };

/**
 * Sends many charge requests in one `POST /charges/batch`; the answer has one result per charge, in order.
 * Any failure of the request as a whole (network, status, unreadable answer) fails every charge in it.
 */
export async function requestCharges(
  gatewayUrl: string,
  request: ChargeBatchRequest,
  timeoutMs: number,
): Promise<ChargeBatchResult> {
  const answer = await postToGateway(gatewayUrl, '/charges/batch', request, timeoutMs);
  if (!answer.ok) return answer;
  const { text } = answer;
  try {
    const { results } = chargeBatchResponseSchema.parse(JSON.parse(text));
    const answered = results.length === request.charges.length;
    if (answered && results.every((r, i) => r.payment_id === request.charges[i]!.payment_id))
      return { ok: true, results };
    return { ok: false, error: 'gateway batch answer does not match the request' };
  } catch {
    return { ok: false, error: `unreadable gateway answer: ${summarise(text)}` };
  }
}

/**
 * POSTs `body` as JSON and reads the answer's text. A network failure or timeout, or a non-2xx status,
 * is a failure with a readable reason (the problem's code and detail when the gateway sent one).
 */
async function postToGateway(
  gatewayUrl: string,
  path: string,
  body: unknown,
  timeoutMs: number,
  headers: Record<string, string> = {},
): Promise<{ ok: true; text: string } | { ok: false; httpStatus?: number; error: string }> {
  let response: Response;
  try {
    response = await fetch(new URL(path, gatewayUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, error: cause ? `${message} (${cause})` : message };
  }
  const text = await response.text().catch(() => '');
  if (!response.ok)
    return { ok: false, httpStatus: response.status, error: summarise(text) || `HTTP ${response.status}` };
  return { ok: true, text };
}

function summarise(text: string): string {
  try {
    const body = JSON.parse(text) as { detail?: unknown; code?: unknown };
    if (typeof body.detail === 'string')
      return typeof body.code === 'string' ? `${body.code}: ${body.detail}` : body.detail;
  } catch {
    // not JSON; fall through to the raw text
  }
  return text.slice(0, 200);
}
