import { AppError, type HandlerContext } from '@orderflow/runtime';

export type EventLog = HandlerContext['log'];

/**
 * Another transaction wrote a reservation row this batch decided on without seeing it (an outcome
 * recorded while the order was being reserved, or the other way round): the batch is rolled back and
 * retried, and then sees it.
 */
export function reservationRace(orderIds: readonly string[]): AppError {
  return new AppError({
    code: 'INVENTORY.RESERVATION_RACE',
    message: `reservations of ${orderIds.join(', ')} changed under this batch; retrying it`,
    retryable: true,
    details: { orderIds },
  });
}
