import express from 'express';
import { z } from 'zod';
import { createHttpApp } from '../http/app.factory';
import {
  bearerSecurity,
  jsonRequestBody,
  jsonResponse,
  pathParameters,
  problemResponse,
  queryParameters,
  schemaRef,
  serviceOpenApi,
  type OpenApiDocument,
} from '../http/openapi';
import { createLogger } from '../logger';
import { createMetrics } from '../metrics';
import {
  checkOpenApi,
  compareRoutes,
  fetchServedOpenApi,
  listRoutes,
  openApiPath,
  openApiResponseValidator,
  validateOpenApiDocument,
} from './openapi';

const itemParams = z.object({ item_id: z.string().min(1).max(20) });
const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(50).default(10),
  colour: z.enum(['red', 'blue']).optional().describe('Only items of this colour.'),
  cursor: z
    .string()
    .transform((value) => Number(value))
    .optional(),
});
const createBody = z.object({ name: z.string().min(1), qty: z.number().int().positive() });
const item = z.object({
  item_id: z.string(),
  name: z.string(),
  qty: z.int(),
  seen_at: z.string().nullable(),
  // zod writes a union of primitives as a `type` array.
  labels: z.record(z.string(), z.union([z.string(), z.number(), z.null()])),
});

function itemsDocument(): OpenApiDocument {
  return serviceOpenApi({
    service: 'items',
    version: '1.2.3',
    description: 'A test service.',
    schemas: { Item: item, ItemPage: z.object({ items: z.array(item), next_cursor: z.string().nullable() }) },
    paths: {
      '/items': {
        get: {
          operationId: 'listItems',
          summary: 'Items.',
          parameters: queryParameters(listQuery),
          responses: {
            '200': jsonResponse('A page.', schemaRef('ItemPage')),
            '400': problemResponse('Bad query.'),
          },
        },
        post: {
          operationId: 'createItem',
          summary: 'Adds one.',
          security: bearerSecurity,
          requestBody: jsonRequestBody(createBody),
          responses: { '201': jsonResponse('Created.', schemaRef('Item')) },
        },
      },
      '/items/{item_id}': {
        get: {
          operationId: 'getItem',
          summary: 'One item.',
          parameters: pathParameters(itemParams),
          responses: {
            '200': jsonResponse('The item.', schemaRef('Item')),
            '404': problemResponse('No such item.'),
          },
        },
      },
    },
  });
}

function itemsApp(document: OpenApiDocument | undefined) {
  return createHttpApp({
    service: 'items',
    logger: createLogger({ service: 'items', level: 'silent' }),
    metrics: createMetrics('items', { defaultMetrics: false }),
    readiness: [],
    openapi: document,
    routes: (router) => {
      router.get('/items', (_req, res) => {
        res.json({ items: [], next_cursor: null });
      });
      router.post('/items', (_req, res) => {
        res.status(201).json({
          item_id: 'i-1',
          name: 'x',
          qty: 1,
          seen_at: null,
          labels: { size: 'L', weight: 2, colour: null },
        });
      });
      router.get('/items/:item_id', (_req, res) => {
        res.json({
          item_id: 'i-1',
          name: 'x',
          qty: 1,
          seen_at: null,
          labels: { size: 'L', weight: 2, colour: null },
        });
      });
    },
  });
}

describe('serviceOpenApi', () => {
  test('generates parameters and bodies from the zod schemas the routes validate with', () => {
    const document = itemsDocument();
    const list = document.paths['/items']!.get!;
    expect(list.parameters).toEqual([
      {
        name: 'limit',
        in: 'query',
        required: false,
        schema: { type: 'integer', minimum: 1, maximum: 50, default: 10 },
      },
      {
        name: 'colour',
        in: 'query',
        required: false,
        description: 'Only items of this colour.',
        schema: { type: 'string', enum: ['red', 'blue'] },
      },
      { name: 'cursor', in: 'query', required: false, schema: { type: 'string' } },
    ]);
    expect(document.paths['/items/{item_id}']!.get!.parameters).toEqual([
      {
        name: 'item_id',
        in: 'path',
        required: true,
        schema: { type: 'string', minLength: 1, maxLength: 20 },
      },
    ]);
    expect(document.paths['/items']!.post!.requestBody!.content['application/json']!.schema).toMatchObject({
      type: 'object',
      required: ['name', 'qty'],
    });
  });

  test('adds the runtime paths, the Problem schema, a default problem response and the bearer scheme', () => {
    const document = itemsDocument();
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/healthz', '/readyz', '/metrics', '/openapi.json']),
    );
    expect(document.info).toEqual({
      title: 'orderflow items',
      version: '1.2.3',
      description: 'A test service.',
    });
    expect(document.paths['/items/{item_id}']!.get!.responses.default).toBeDefined();
    expect(document.components?.securitySchemes).toEqual({
      bearerAuth: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
    });
    expect(document.components?.schemas?.ItemPage).toMatchObject({
      properties: { items: { type: 'array', items: { $ref: '#/components/schemas/Item' } } },
    });
  });

  test('a path parameter schema that is not an object is refused', () => {
    expect(() => pathParameters(z.string())).toThrow(/zod object/);
  });
});

describe('route listing', () => {
  test('lists an express 5 app’s routes, nested routers included, in OpenAPI form', () => {
    const app = express();
    app.use(express.json());
    app.get('/a/:id', (_req, res) => res.end());
    const inner = express.Router();
    inner.post('/b/:b_id/c', (_req, res) => res.end());
    inner
      .route('/d')
      .get((_req, res) => res.end())
      .delete((_req, res) => res.end());
    app.use('/v1', inner);
    app.use(express.static(__dirname));
    expect(listRoutes(app)).toEqual([
      { method: 'get', path: '/a/{id}' },
      { method: 'post', path: '/v1/b/{b_id}/c' },
      { method: 'get', path: '/v1/d' },
      { method: 'delete', path: '/v1/d' },
    ]);
  });

  test('wildcards and all-method routes are refused rather than silently skipped', () => {
    expect(() => openApiPath('/files/*path')).toThrow(/wildcards/);
    const app = express();
    app.all('/any', (_req, res) => res.end());
    expect(() => listRoutes(app)).toThrow(/every method/);
  });

  test('names routes without documentation and documented operations without a route', () => {
    const app = itemsApp(itemsDocument());
    const document = itemsDocument();
    delete document.paths['/items']!.post;
    document.paths['/gone'] = { get: { operationId: 'gone', summary: 'Gone.', responses: {} } };
    expect(compareRoutes(listRoutes(app), document)).toEqual({
      undocumented: ['POST /items'],
      missing: ['GET /gone'],
    });
  });
});

describe('checkOpenApi', () => {
  test('a document that matches its routes passes', async () => {
    const document = itemsDocument();
    await expect(checkOpenApi(itemsApp(document), document)).resolves.toEqual({
      undocumented: [],
      missing: [],
      invalid: [],
    });
  });

  test('an invalid document is reported', async () => {
    const document = itemsDocument();
    (document.paths['/items']!.get as { responses: unknown }).responses = 'none';
    expect(await validateOpenApiDocument(document)).toEqual([
      expect.stringMatching(/responses must be object/),
    ]);
  });

  test('a dangling $ref is reported', async () => {
    const document = itemsDocument();
    document.paths['/items/{item_id}']!.get!.responses['200'] = jsonResponse('x', schemaRef('Nope'));
    expect((await validateOpenApiDocument(document)).join('\n')).toMatch(/Nope/);
  });
});

describe('openApiResponseValidator', () => {
  const validate = openApiResponseValidator(itemsDocument());
  const item = {
    item_id: 'i-1',
    name: 'x',
    qty: 1,
    seen_at: null,
    labels: { size: 'L', weight: 2, colour: null },
  };

  test('a response that matches its documented schema passes', () => {
    expect(
      validate({
        method: 'GET',
        path: '/items/i-1?x=1',
        status: 200,
        contentType: 'application/json; charset=utf-8',
        body: item,
      }),
    ).toEqual([]);
    expect(
      validate({
        method: 'GET',
        path: '/items',
        status: 200,
        contentType: 'application/json',
        body: { items: [item], next_cursor: null },
      }),
    ).toEqual([]);
  });

  test('a wrong field, an extra field, an undocumented status or media type are reported', () => {
    const json = { method: 'GET', path: '/items/i-1', contentType: 'application/json' };
    expect(validate({ ...json, status: 200, body: { ...item, qty: 'one' } }).join()).toMatch(
      /\/qty must be integer/,
    );
    expect(validate({ ...json, status: 200, body: { ...item, extra: 1 } }).join()).toMatch(/additional/);
    expect(validate({ ...json, status: 200, contentType: 'text/html', body: '' }).join()).toMatch(
      /text\/html/,
    );
    expect(validate({ ...json, method: 'PUT', status: 200, body: item }).join()).toMatch(
      /no documented operation/,
    );
  });

  test('errors fall back to the default problem response', () => {
    const problem = {
      type: 'about:blank',
      title: 'Conflict',
      status: 409,
      code: 'X.CONFLICT',
      detail: 'no',
      instance: '/items/i-1',
      request_id: 'r',
    };
    const base = { method: 'GET', path: '/items/i-1', status: 409, contentType: 'application/problem+json' };
    expect(validate({ ...base, body: problem })).toEqual([]);
    expect(validate({ ...base, body: { ...problem, request_id: undefined } }).join()).toMatch(/request_id/);
  });
});

describe('GET /openapi.json', () => {
  test('serves the document given to createHttpApp', async () => {
    const document = itemsDocument();
    const served = await fetchServedOpenApi(itemsApp(document));
    expect(served).toEqual({
      status: 200,
      contentType: expect.stringMatching(/^application\/json/),
      body: document,
    });
  });

  test('is not served without a document', async () => {
    const document = itemsDocument();
    expect(compareRoutes(listRoutes(itemsApp(undefined)), document).missing).toEqual(['GET /openapi.json']);
  });
});
