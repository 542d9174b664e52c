import { serviceHttpApp } from '@orderflow/runtime';
import { checkOpenApi, fetchServedOpenApi, httpOnlyContext } from '@orderflow/runtime/testing/openapi';
import { ordersService } from '../app';
import { loadOrdersConfig } from '../config';
import { ordersOpenApi } from './orders.openapi';

describe('the orders OpenAPI document', () => {
  // The routes are built as the service builds them, but nothing is started: no Kafka, no queries.
  const ctx = httpOnlyContext(ordersService, loadOrdersConfig({ ...process.env, PORT: '0' }));
  const app = serviceHttpApp(ordersService, ctx);
  afterAll(() => ctx.pool.end());

  test('documents every route and nothing else, and is valid OpenAPI 3.1', async () => {
    expect(await checkOpenApi(app, ordersOpenApi)).toEqual({ undocumented: [], missing: [], invalid: [] });
  });

  test('is served at GET /openapi.json', async () => {
    expect(await fetchServedOpenApi(app)).toEqual({
      status: 200,
      contentType: expect.stringMatching(/^application\/json/),
      body: ordersOpenApi,
    });
  });
});
