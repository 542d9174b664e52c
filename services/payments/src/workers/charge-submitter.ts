import type { Pool } from 'pg';
import { withTransaction, type Logger, PollingLoop } from '@orderflow/runtime';
import { requestCharge, requestCharges } from '../clients/gateway.client';
import type { Payment } from '../db/payment.repository';
import { classifySubmitFailure, onChargeRefused, submitRetryDelayMs } from '../domain/payment';
import { decidePayments, type DecideDeps } from '../use-cases/decide-payments';

export interface ChargeSubmitterOptions extends DecideDeps {
  pool: Pool;
  logger: Logger;
  /** Resolved per round: the embedded gateway only knows its URL once it listens. */
  gatewayUrl: () => string | undefined;
  /** Where the gateway calls back; resolved per round for the same reason. */
  callbackUrl: () => string | undefined;
  /**
   * Where the gateway sends batched callbacks. Given, a round's charges go out as one `POST /charges/batch`
   * asking for batched callbacks; otherwise (or when the gateway has no batch endpoint) one request each.
   */
  batchCallbackUrl?: () => string | undefined;
  batchSize: number;
  intervalMs: number;
  requestTimeoutMs: number;
}

type Submission = { payment: Payment; chargeId?: string };

/**
 * Sends the charge request of every PENDING payment the gateway has not accepted yet. Payments are leased
 * (next_attempt_at pushed past the request timeout) in one statement and the HTTP calls happen outside
 * any transaction; a crash mid-request just lets the lease run out and the request go again, which the
 * gateway, keyed by payment id, answers without charging twice. Failed requests back off; an accepted
 * charge stays PENDING until its callback or the timeout.
 */
export function chargeSubmitter(options: ChargeSubmitterOptions): PollingLoop {
  const log = options.logger.child({ component: 'charge-submitter' });
  let warnedNoUrl = false;

  /** Sends one charge request; returns the charge id when accepted, having recorded any failure itself. */
  async function submit(
    payment: Payment,
    gatewayUrl: string,
    callbackUrl: string,
  ): Promise<string | undefined> {
    const pLog = log.child({ paymentId: payment.payment_id, orderId: payment.order_id });
    const response = await requestCharge(
      gatewayUrl,
      {
        payment_id: payment.payment_id,
        order_id: payment.order_id,
        amount_cents: payment.amount_cents,
        currency: payment.currency,
        callback_url: callbackUrl,
      },
      options.requestTimeoutMs,
    );
    if (response.ok) return response.charge.charge_id;
    if (classifySubmitFailure(response.httpStatus) === 'refused') {
      await withTransaction(options.pool, async (tx) => {
        const locked = await options.repo.lock(tx, payment.payment_id);
        const decision = locked && onChargeRefused(locked.status, response.httpStatus ?? 400, response.error);
        if (locked && decision) await decidePayments(tx, options, [{ payment: locked, decision }]);
      });
      pLog.error(
        { httpStatus: response.httpStatus, error: response.error },
        'gateway refused the charge; payment failed',
      );
      return undefined;
    }
    const delay = submitRetryDelayMs(payment.submit_attempts);
    await options.repo.markSubmitFailed(options.pool, payment.payment_id, delay, response.error);
    pLog.warn(
      {
        httpStatus: response.httpStatus,
        error: response.error,
        attempt: payment.submit_attempts,
        retryInMs: delay,
      },
      'charge request failed; will retry',
    );
    return undefined;
  }

  /** The gateway has no batch endpoint (404): single requests from then on. */
  let batchUnsupported = false;

  /**
   * Sends the round's charges in one batch request. Returns undefined when the batch as a whole was
   * refused (a 4xx): the charges then go one by one, so only a bad one fails. A retryable failure backs
   * every charge off, as single requests would.
   */
  async function submitBatch(
    claimed: Payment[],
    gatewayUrl: string,
    callbackUrl: string,
    batchCallbackUrl: string,
  ): Promise<Submission[] | undefined> {
    const response = await requestCharges(
      gatewayUrl,
      {
        charges: claimed.map((payment) => ({
          payment_id: payment.payment_id,
          order_id: payment.order_id,
          amount_cents: payment.amount_cents,
          currency: payment.currency,
          callback_url: callbackUrl,
        })),
        batch_callback_url: batchCallbackUrl,
      },
      options.requestTimeoutMs,
    );
    if (!response.ok) {
      if (classifySubmitFailure(response.httpStatus) === 'refused') {
        if (response.httpStatus === 404) batchUnsupported = true;
        log.warn(
          { httpStatus: response.httpStatus, error: response.error, charges: claimed.length },
          'gateway refused the charge batch; sending the charges one by one',
        );
        return undefined;
      }
      await options.repo.markSubmitFailedMany(
        options.pool,
        claimed.map((payment) => ({
          paymentId: payment.payment_id,
          retryInMs: submitRetryDelayMs(payment.submit_attempts),
        })),
        response.error,
      );
      log.warn(
        { httpStatus: response.httpStatus, error: response.error, charges: claimed.length },
        'charge batch request failed; will retry',
      );
      return claimed.map((payment) => ({ payment }));
    }
    const refused: { payment: Payment; detail: string }[] = [];
    const submissions = claimed.map((payment, index): Submission => {
      const result = response.results[index]!;
      if (result.status === 202) return { payment, chargeId: result.charge.charge_id };
      refused.push({ payment, detail: `${result.code}: ${result.detail}` });
      return { payment };
    });
    if (refused.length > 0) {
      await withTransaction(options.pool, async (tx) => {
        const locked = await options.repo.lockMany(
          tx,
          refused.map((r) => r.payment.payment_id),
        );
        const decided = refused.flatMap(({ payment, detail }) => {
          const current = locked.get(payment.payment_id);
          const decision = current && onChargeRefused(current.status, 409, detail);
          return current && decision ? [{ payment: current, decision }] : [];
        });
        await decidePayments(tx, options, decided);
      });
      for (const { payment, detail } of refused)
        log.error(
          { paymentId: payment.payment_id, orderId: payment.order_id, httpStatus: 409, error: detail },
          'gateway refused the charge; payment failed',
        );
    }
    return submissions;
  }

  async function submitEach(
    claimed: Payment[],
    gatewayUrl: string,
    callbackUrl: string,
  ): Promise<Submission[]> {
    const results = await Promise.allSettled(
      claimed.map((payment) => submit(payment, gatewayUrl, callbackUrl)),
    );
    return results.map((result, index) => {
      if (result.status === 'fulfilled') return { payment: claimed[index]!, chargeId: result.value };
      // The lease brings the payment back; only the log needs to know.
      log.warn({ err: result.reason }, 'recording a charge request failed');
      return { payment: claimed[index]! };
    });
  }

  return new PollingLoop(
    'charge-submitter',
    async () => {
      const gatewayUrl = options.gatewayUrl();
      const callbackUrl = options.callbackUrl();
      if (!gatewayUrl || !callbackUrl) {
        if (!warnedNoUrl)
          log.warn({ gatewayUrl, callbackUrl }, 'gateway or callback URL unknown; not submitting yet');
        warnedNoUrl = true;
        return false;
      }
      const leaseMs = options.requestTimeoutMs + 5_000;
      const claimed = await options.repo.claimForSubmission(options.pool, options.batchSize, leaseMs);
      if (claimed.length === 0) return false;
      const batchCallbackUrl = batchUnsupported ? undefined : options.batchCallbackUrl?.();
      const submissions =
        (batchCallbackUrl && (await submitBatch(claimed, gatewayUrl, callbackUrl, batchCallbackUrl))) ||
        (await submitEach(claimed, gatewayUrl, callbackUrl));
      const accepted = submissions.flatMap(({ payment, chargeId }) =>
        chargeId ? [{ paymentId: payment.payment_id, chargeId }] : [],
      );
      // Should this fail, the leases run out and the requests go again; the gateway answers them as repeats.
      await options.repo.markSubmitted(options.pool, accepted);
      log.debug({ claimed: claimed.length, accepted: accepted.length }, 'charge requests sent');
      return claimed.length === options.batchSize;
    },
    { intervalMs: options.intervalMs, logger: log },
  );
}
