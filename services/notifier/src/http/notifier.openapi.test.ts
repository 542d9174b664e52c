import { serviceHttpApp } from '@orderflow/runtime';
import { checkOpenApi, fetchServedOpenApi, httpOnlyContext } from '@orderflow/runtime/testing/openapi';
import { notifierService } from '../app';
import { loadNotifierConfig } from '../config';
import { notifierOpenApi } from './notifier.openapi';

describe('the notifier OpenAPI document', () => {
  // The routes are built as the service builds them, but nothing is started: no Kafka, no queries.
  const ctx = httpOnlyContext(notifierService, loadNotifierConfig({ ...process.env, PORT: '0' }));
  const app = serviceHttpApp(notifierService, ctx);
  afterAll(() => ctx.pool.end());

  test('documents every route and nothing else, and is valid OpenAPI 3.1', async () => {
    expect(await checkOpenApi(app, notifierOpenApi)).toEqual({ undocumented: [], missing: [], invalid: [] });
  });

  test('is served at GET /openapi.json', async () => {
    expect(await fetchServedOpenApi(app)).toEqual({
      status: 200,
      contentType: expect.stringMatching(/^application\/json/),
      body: notifierOpenApi,
    });
  });
});
