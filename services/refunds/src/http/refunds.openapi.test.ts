import { serviceHttpApp } from '@orderflow/runtime';
import { checkOpenApi, fetchServedOpenApi, httpOnlyContext } from '@orderflow/runtime/testing/openapi';
import { refundsService } from '../app';
import { loadRefundsConfig } from '../config';
import { refundsOpenApi } from './refunds.openapi';

describe('the refunds OpenAPI document', () => {
  // The routes are built as the service builds them, but nothing is started: no Kafka, no queries.
  const definition = refundsService();
  const ctx = httpOnlyContext(definition, loadRefundsConfig({ ...process.env, PORT: '0' }));
  const app = serviceHttpApp(definition, ctx);
  afterAll(() => ctx.pool.end());

  test('documents every route and nothing else, and is valid OpenAPI 3.1', async () => {
    expect(await checkOpenApi(app, refundsOpenApi)).toEqual({ undocumented: [], missing: [], invalid: [] });
  });

  test('is served at GET /openapi.json', async () => {
    expect(await fetchServedOpenApi(app)).toEqual({
      status: 200,
      contentType: expect.stringMatching(/^application\/json/),
      body: refundsOpenApi,
    });
  });
});
