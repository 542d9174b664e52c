import { createLogger, serviceHttpApp } from '@orderflow/runtime';
import { checkOpenApi, fetchServedOpenApi, httpOnlyContext } from '@orderflow/runtime/testing/openapi';
import { paymentsService } from '../app';
import { loadPaymentsConfig } from '../config';
import { gatewayOpenApi } from '../gateway/gateway.openapi';
import { SimulatedGateway } from '../gateway/simulated-gateway';
import { paymentsOpenApi } from './payments.openapi';

describe('the payments OpenAPI document', () => {
  // The routes are built as the service builds them, but nothing is started: no Kafka, no queries.
  const definition = paymentsService();
  const ctx = httpOnlyContext(definition, loadPaymentsConfig({ ...process.env, PORT: '0' }));
  const app = serviceHttpApp(definition, ctx);
  afterAll(() => ctx.pool.end());

  test('documents every route and nothing else, and is valid OpenAPI 3.1', async () => {
    expect(await checkOpenApi(app, paymentsOpenApi)).toEqual({ undocumented: [], missing: [], invalid: [] });
  });

  test('is served at GET /openapi.json', async () => {
    expect(await fetchServedOpenApi(app)).toEqual({
      status: 200,
      contentType: expect.stringMatching(/^application\/json/),
      body: paymentsOpenApi,
    });
  });
});

describe('the simulated gateway OpenAPI document', () => {
  const gateway = new SimulatedGateway({
    secret: 'openapi-test-secret',
    delayMs: 1000,
    successRate: 1,
    seed: 'openapi',
    logger: createLogger({ service: 'gateway', level: 'silent' }),
  });

  test('documents every route and nothing else, and is valid OpenAPI 3.1', async () => {
    expect(await checkOpenApi(gateway.app, gatewayOpenApi)).toEqual({
      undocumented: [],
      missing: [],
      invalid: [],
    });
  });

  test('is served at GET /openapi.json', async () => {
    expect(await fetchServedOpenApi(gateway.app)).toEqual({
      status: 200,
      contentType: expect.stringMatching(/^application\/json/),
      body: gatewayOpenApi,
    });
  });
});
