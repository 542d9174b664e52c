import { createLogger, serviceHttpApp, startHttpServer } from '@orderflow/runtime';
import {
  checkOpenApi,
  fetchServedOpenApi,
  httpOnlyContext,
  openApiResponseValidator,
} from '@orderflow/runtime/testing/openapi';
import { analyticsService } from '../app';
import { loadAnalyticsConfig } from '../config';
import { analyticsOpenApi } from './analytics.openapi';
import { DASHBOARD_PATHS } from './dashboard.routes';

describe('the analytics OpenAPI document', () => {
  // The routes are built as the service builds them, but nothing is started: no Kafka, no queries.
  const definition = analyticsService();
  const ctx = httpOnlyContext(definition, loadAnalyticsConfig({ ...process.env, PORT: '0' }));
  const app = serviceHttpApp(definition, ctx);
  afterAll(async () => {
    // Building the routes opened the Redis client; the (never started) worker's stop closes it.
    for (const worker of definition.workers?.(ctx) ?? []) await worker.stop();
    await ctx.pool.end();
  });

  test('documents every route and nothing else, and is valid OpenAPI 3.1', async () => {
    expect(await checkOpenApi(app, analyticsOpenApi)).toEqual({ undocumented: [], missing: [], invalid: [] });
  });

  test('is served at GET /openapi.json', async () => {
    expect(await fetchServedOpenApi(app)).toEqual({
      status: 200,
      contentType: expect.stringMatching(/^application\/json/),
      body: analyticsOpenApi,
    });
  });

  test('the dashboard files are served with the documented media types', async () => {
    const validate = openApiResponseValidator(analyticsOpenApi);
    const logger = createLogger({ service: 'analytics', level: 'silent' });
    const server = await startHttpServer(app, { host: '127.0.0.1', port: 0, logger, shutdownGraceMs: 1_000 });
    try {
      for (const path of Object.values(DASHBOARD_PATHS)) {
        const response = await fetch(`http://127.0.0.1:${server.port}${path}`);
        const answer = { status: response.status, contentType: response.headers.get('content-type') };
        expect({ path, ...answer }).toEqual({ path, status: 200, contentType: expect.any(String) });
        expect(validate({ method: 'GET', path, ...answer, body: await response.text() })).toEqual([]);
      }
    } finally {
      await server.close();
    }
  });
});
