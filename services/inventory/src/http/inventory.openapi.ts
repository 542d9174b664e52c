import path from 'node:path';
import { z } from 'zod';
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
import type { LineRejectReason, RejectReason, ReservationStatus } from '../domain/reservation';
import { orderParams, skuParams, stockQuery } from './inventory.routes';

const cents = z.int().min(0);
const rejectReason = exhaustiveEnum<RejectReason>({ UNKNOWN_SKU: true, OUT_OF_STOCK: true });

const stock = z
  .object({
    sku: z.string(),
    product_name: z.string(),
    on_hand: z.int().meta({ description: 'Units in the warehouse, reserved ones included.' }),
    reserved: z.int().meta({ description: 'Units held for orders not finished yet.' }),
    available: z.int().meta({ description: 'on_hand - reserved: what a new order can reserve.' }),
    sold: z.int().meta({ description: 'Units of PAID orders, taken out of on_hand.' }),
    unit_price_cents: cents
      .nullable()
      .meta({ description: 'List price from the stock file, if it had one.' }),
    currency: z.string().nullable(),
  })
  .meta({ description: 'The stock of one SKU.' });

const stockPage = cursorPage(stock);

const reservation = z
  .object({
    order_id: z.string(),
    reservation_id: z.string(),
    status: exhaustiveEnum<ReservationStatus>({
      RESERVED: true,
      COMMITTED: true,
      RELEASED: true,
      REJECTED: true,
    }),
    currency: z.string(),
    total_cents: cents,
    lines: z
      .array(
        z.object({
          sku: z.string(),
          qty: z.int().min(1),
          unit_price_cents: cents,
          line_total_cents: cents,
        }),
      )
      .meta({
        description: "The order's lines, priced with its own unit prices; empty for FINISHED_BEFORE_PLACED.",
      }),
    reason: z
      .enum([...rejectReason.options, 'FINISHED_BEFORE_PLACED'])
      .nullable()
      .meta({
        description:
          'Why the order was rejected, or FINISHED_BEFORE_PLACED when its outcome arrived first (it is then ' +
          'never reserved); null otherwise.',
      }),
    rejected_lines: z
      .array(
        z.object({
          sku: z.string(),
          reason: exhaustiveEnum<LineRejectReason>({ UNKNOWN_SKU: true, INSUFFICIENT_STOCK: true }),
          requested: z.int().meta({ description: 'Units of this SKU the whole order asks for.' }),
          available: z.int().meta({ description: 'Units available at decision time; 0 for an unknown SKU.' }),
        }),
      )
      .nullable(),
    created_at: isoDateTime(),
    updated_at: isoDateTime(),
  })
  .meta({ description: "An order's reservation: all its lines or none (money in cents)." });

/** The inventory API, served at GET /openapi.json. */
export const inventoryOpenApi = serviceOpenApi({
  service: 'inventory',
  packageDir: path.join(__dirname, '..', '..'),
  description:
    'Stock per SKU and the reservation of each order. Stock levels arrive on inventory.stock-levels (the ' +
    'importer CLI); orders reserve, commit or release through Kafka, not through this API.',
  tags: [
    { name: 'stock', description: 'Stock levels per SKU.' },
    { name: 'reservations', description: 'What each order reserved.' },
  ],
  schemas: { Stock: stock, StockPage: stockPage, Reservation: reservation },
  paths: {
    '/stock': {
      get: {
        operationId: 'listStock',
        summary: 'Stock of every SKU, by SKU, with keyset pagination.',
        tags: ['stock'],
        parameters: queryParameters(stockQuery, {
          below: 'Only SKUs with fewer than this many units available.',
          limit: 'Page size.',
          cursor: '`next_cursor` of the previous page.',
        }),
        responses: {
          '200': jsonResponse('One page of stock.', schemaRef('StockPage')),
          '400': problemResponse('A query parameter is invalid or unknown (HTTP.VALIDATION names it).'),
        },
      },
    },
    '/stock/{sku}': {
      get: {
        operationId: 'getStock',
        summary: 'The stock of one SKU.',
        tags: ['stock'],
        parameters: pathParameters(skuParams),
        responses: {
          '200': jsonResponse('The stock.', schemaRef('Stock')),
          '404': problemResponse('No stock for this SKU (INVENTORY.SKU_NOT_FOUND).'),
        },
      },
    },
    '/reservations/{order_id}': {
      get: {
        operationId: 'getReservation',
        summary: "An order's reservation.",
        tags: ['reservations'],
        parameters: pathParameters(orderParams),
        responses: {
          '200': jsonResponse('The reservation.', schemaRef('Reservation')),
          '404': problemResponse('No reservation for this order (INVENTORY.RESERVATION_NOT_FOUND).'),
        },
      },
    },
  },
});
