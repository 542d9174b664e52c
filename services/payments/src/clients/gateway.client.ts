import { chargeAcceptedSchema, type ChargeAccepted, type ChargeRequest } from '../domain/gateway-contract';

export type ChargeResponse =
  { ok: true; charge: ChargeAccepted } | { ok: false; httpStatus?: number; error: string };

/** Sends one charge request; the payment id doubles as the gateway's idempotency key. */
export async function requestCharge(
  gatewayUrl: string,
  request: ChargeRequest,
  timeoutMs: number,
): Promise<ChargeResponse> {
  let response: Response;
  try {
    response = await fetch(new URL('/charges', gatewayUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': request.payment_id },
      body: JSON.stringify(request),
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
  try {
    return { ok: true, charge: chargeAcceptedSchema.parse(JSON.parse(text)) };
  } catch {
    // Accepted but unreadable: the charge may exist, so this is retried (the gateway is idempotent).
    return { ok: false, error: `unreadable gateway answer: ${summarise(text)}` };
  }
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
