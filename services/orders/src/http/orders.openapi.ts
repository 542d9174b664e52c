import path from 'node:path';
import { z } from 'zod';
import type { FailureReason } from '@orderflow/contracts';
import {
  cursorPage,
  exhaustiveEnum,
  isoDateTime,
  jsonResponse,
  pathParameters,
  problemResponse,
  queryParameters,
  schemaRef,
  serviceOpenApi,
} from '@orderflow/runtime';
import { ORDER_STATUSES, type FactOutcome } from '../domain/order-state';
import { listQuery, orderParams, orderQuery } from './orders.routes';

const failureReason = exhaustiveEnum<FailureReason>({
  OUT_OF_STOCK: true,
  UNKNOWN_SKU: true,
  PAYMENT_DECLINED: true,
  PAYMENT_TIMEOUT: true,
  PAYMENT_ERROR: true,
}).meta({ description: 'Why the order failed.' });

const status = z.enum(ORDER_STATUSES);
const cents = z.int().min(0);

const orderLine = z.object({
  sku: z.string(),
  name: z.string(),
  unit_price_cents: cents,
  qty: z.int().min(1),
  line_total_cents: cents.meta({ description: 'unit_price_cents * qty' }),
});

const timelineEntry = z.object({
  event_id: z.string(),
  topic: z
    .string()
    .meta({ description: 'e.g. `inventory.reserved`; `orders.finished` for the outcome emitted.' }),
  type: z.string().meta({ description: 'e.g. `INVENTORY_RESERVED`, `ORDER_FINISHED`.' }),
  occurred_at: isoDateTime(),
  received_at: isoDateTime()
    .optional()
    .meta({ description: 'When this service consumed it; absent for the event it emitted.' }),
  outcome: exhaustiveEnum<FactOutcome>({ applied: true, waiting: true, duplicate: true, conflict: true })
    .optional()
    .meta({ description: 'How the event was taken; absent for the event this service emitted.' }),
  note: z.string().optional(),
});

const order = z
  .object({
    order_id: z.string(),
    status,
    reason: failureReason.nullable(),
    reason_detail: z.string().nullable(),
    customer_id: z.string(),
    customer: z.object({ name: z.string(), email: z.string() }),
    currency: z.string().meta({ description: 'ISO 4217 code of every amount of the order.' }),
    total_cents: cents,
    lines: z.array(orderLine),
    placed_at: isoDateTime(),
    finished_at: isoDateTime().nullable(),
    payment_id: z.string().nullable(),
    correlation_id: z
      .string()
      .meta({ description: 'The flow id (import batch) every event of the order carries.' }),
    source: z.object({ file: z.string(), line: z.int().min(1) }).nullable(),
    conflicts: z.int().min(0).meta({ description: 'Events refused because they contradict what is known.' }),
    timeline: z.array(timelineEntry),
  })
  .meta({ description: 'One order with everything that happened to it (money in cents).' });

const orderSummary = z.object({
  order_id: z.string(),
  status,
  reason: failureReason.nullable(),
  customer_id: z.string(),
  currency: z.string(),
  total_cents: cents,
  placed_at: isoDateTime(),
  finished_at: isoDateTime().nullable(),
});

const orderPage = cursorPage(orderSummary);

/** The orders API, served at GET /openapi.json. */
export const ordersOpenApi = serviceOpenApi({
  service: 'orders',
  packageDir: path.join(__dirname, '..', '..'),
  description:
    "Authority on each order's outcome: the order's state, lines, payment and timeline of events. Orders " +
    'are placed by importing a CSV (the importer CLI), not through this API.',
  tags: [{ name: 'orders', description: 'Placed orders and their outcome.' }],
  schemas: { Order: order, OrderSummary: orderSummary, OrderPage: orderPage },
  paths: {
    '/orders': {
      get: {
        operationId: 'listOrders',
        summary: 'Placed orders, newest first (placed_at, then order id), with keyset pagination.',
        tags: ['orders'],
        parameters: queryParameters(listQuery, {
          status: 'Only orders in this state.',
          customer_id: "Only this customer's orders.",
          limit: 'Page size.',
          cursor: '`next_cursor` of the previous page.',
        }),
        responses: {
          '200': jsonResponse('One page of orders.', schemaRef('OrderPage')),
          '400': problemResponse('A query parameter is invalid (HTTP.VALIDATION names it).'),
        },
      },
    },
    '/orders/{id}': {
      get: {
        operationId: 'getOrder',
        summary: 'One order with its timeline.',
        description:
          '`?wait=final&timeout_ms=N` holds the request until the order is PAID or FAILED (an order not ' +
          'known yet may still arrive meanwhile), for at most N ms; when time runs out the current state is ' +
          'returned with 200 and the client looks at `status`.',
        tags: ['orders'],
        parameters: [
          ...pathParameters(orderParams),
          ...queryParameters(orderQuery, {
            wait: '`final`: answer once the order is PAID or FAILED, or when timeout_ms is up.',
            timeout_ms: 'How long `wait=final` may hold the request, in ms.',
          }),
        ],
        responses: {
          '200': jsonResponse('The order.', schemaRef('Order')),
          '400': problemResponse('A parameter is invalid (HTTP.VALIDATION names it).'),
          '404': problemResponse('No such order has been placed (ORDERS.NOT_FOUND).'),
        },
      },
    },
  },
});
