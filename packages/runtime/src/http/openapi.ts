import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { RequestHandler } from 'express';
import { z } from 'zod';
import { PROBLEM_CONTENT_TYPE } from './problem-details';

/**
 * OpenAPI 3.1 documents for the services. 3.1 schemas are JSON Schema 2020-12, which is what zod emits,
 * so request parameters and bodies are generated from the very zod schemas the routes validate with and
 * the documentation cannot drift from the validation.
 */
export const OPENAPI_VERSION = '3.1.0';
export const OPENAPI_PATH = '/openapi.json';
export const BEARER_SCHEME = 'bearerAuth';

export type JsonSchema = { [keyword: string]: unknown };

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export interface OpenApiParameter {
  name: string;
  in: 'query' | 'path' | 'header' | 'cookie';
  required?: boolean;
  description?: string;
  schema: JsonSchema;
}

export interface OpenApiMediaType {
  schema?: JsonSchema;
}

export interface OpenApiHeader {
  description?: string;
  schema: JsonSchema;
}

export interface OpenApiResponse {
  description: string;
  headers?: Record<string, OpenApiHeader>;
  content?: Record<string, OpenApiMediaType>;
}

export interface OpenApiRequestBody {
  description?: string;
  required?: boolean;
  content: Record<string, OpenApiMediaType>;
}

export interface OpenApiOperation {
  operationId: string;
  summary: string;
  description?: string;
  tags?: string[];
  parameters?: OpenApiParameter[];
  requestBody?: OpenApiRequestBody;
  /** Keyed by status code, `4XX`-style ranges or `default`. */
  responses: Record<string, OpenApiResponse>;
  security?: Record<string, string[]>[];
}

export type OpenApiPathItem = Partial<Record<HttpMethod, OpenApiOperation>>;

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description?: string };
  tags?: { name: string; description?: string }[];
  paths: Record<string, OpenApiPathItem>;
  components?: {
    schemas?: Record<string, JsonSchema>;
    securitySchemes?: Record<string, JsonSchema>;
  };
}

const SCHEMA_REF_PREFIX = '#/components/schemas/';

/** `{ $ref }` to a schema of the document's `components.schemas`. */
export function schemaRef(name: string): JsonSchema {
  return { $ref: `${SCHEMA_REF_PREFIX}${name}` };
}

/**
 * JSON Schema of a zod schema. `input` describes what a request may send (defaults optional, coerced
 * numbers as numbers); `output` what a response holds (every key required unless optional, no extra keys).
 */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output' = 'output'): JsonSchema {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'throw',
  }) as JsonSchema;
  return json;
}

/** Descriptions by parameter name, for parameters whose zod schema carries none. */
export type ParameterDescriptions = Record<string, string>;

function parametersOf(
  location: 'path' | 'query',
  schema: z.ZodType,
  descriptions: ParameterDescriptions = {},
): OpenApiParameter[] {
  const json = jsonSchemaOf(schema, 'input');
  const properties = json.properties as Record<string, JsonSchema> | undefined;
  if (json.type !== 'object' || !properties) {
    throw new Error(`${location} parameters must come from a zod object schema`);
  }
  const required = new Set((json.required as string[] | undefined) ?? []);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...propertySchema } = property;
    const parameter: OpenApiParameter = {
      name,
      in: location,
      required: location === 'path' || required.has(name),
      schema: propertySchema,
    };
    const text = descriptions[name] ?? description;
    if (typeof text === 'string') parameter.description = text;
    return parameter;
  });
}

/** The path parameters a route parses with `parseParams(schema, req)`. */
export function pathParameters(schema: z.ZodType, descriptions?: ParameterDescriptions): OpenApiParameter[] {
  return parametersOf('path', schema, descriptions);
}

/** The query parameters a route parses with `parseQuery(schema, req)`. */
export function queryParameters(schema: z.ZodType, descriptions?: ParameterDescriptions): OpenApiParameter[] {
  return parametersOf('query', schema, descriptions);
}

/** A JSON request body a route parses with `parseBody(schema, req)`. */
export function jsonRequestBody(schema: z.ZodType, description?: string): OpenApiRequestBody {
  const body: OpenApiRequestBody = {
    required: true,
    content: { 'application/json': { schema: jsonSchemaOf(schema, 'input') } },
  };
  if (description) body.description = description;
  return body;
}

export function jsonResponse(
  description: string,
  schema: JsonSchema,
  headers?: Record<string, OpenApiHeader>,
): OpenApiResponse {
  const response: OpenApiResponse = { description, content: { 'application/json': { schema } } };
  if (headers) response.headers = headers;
  return response;
}

/** An error answer: every error of the HTTP stack is an RFC 9457 problem (see problem-details.ts). */
export function problemResponse(
  description: string,
  headers?: Record<string, OpenApiHeader>,
): OpenApiResponse {
  const response: OpenApiResponse = {
    description,
    content: { [PROBLEM_CONTENT_TYPE]: { schema: schemaRef('Problem') } },
  };
  if (headers) response.headers = headers;
  return response;
}

/** Operations that need `Authorization: Bearer <token>` (see requireBearer). */
export const bearerSecurity: Record<string, string[]>[] = [{ [BEARER_SCHEME]: [] }];

export const unauthorizedResponse = problemResponse(
  'The bearer token is missing (HTTP.UNAUTHORIZED) or wrong (HTTP.INVALID_TOKEN).',
  { 'WWW-Authenticate': { description: 'The bearer challenge.', schema: { type: 'string' } } },
);

/**
 * A zod enum of every member of a string union, checked by the compiler: a value added to the union
 * and not here (or the other way round) fails the build, so a documented enum cannot fall behind.
 */
export function exhaustiveEnum<T extends string>(members: Record<T, true>): z.ZodEnum<{ [K in T]: K }> {
  return z.enum(Object.keys(members) as [T, ...T[]]) as unknown as z.ZodEnum<{ [K in T]: K }>;
}

/** An ISO 8601 timestamp as `Date.toISOString()` writes it, for response schemas. */
/** One page of a keyset-paginated list: `items` and the cursor of the next page. */
export function cursorPage<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    next_cursor: z
      .string()
      .nullable()
      .meta({ description: 'Pass as `cursor` for the next page; null on the last.' }),
  });
}

export function isoDateTime(): z.ZodString {
  return z.string().meta({ format: 'date-time' });
}

const fieldErrorSchema = z
  .object({
    field: z
      .string()
      .meta({ description: 'Where the problem is, e.g. `query.limit` or `body.items.0.qty`.' }),
    message: z.string(),
  })
  .meta({ description: 'One invalid field of a request.' });

const problemSchema = z
  .object({
    type: z.string().meta({ description: '`about:blank`: the status code carries the meaning.' }),
    title: z.string().meta({ description: 'The status text, e.g. `Not Found`.' }),
    status: z.int().min(400).max(599),
    code: z
      .string()
      .meta({ description: 'Stable code to branch on, e.g. `ORDERS.NOT_FOUND`, `HTTP.VALIDATION`.' }),
    detail: z.string(),
    instance: z.string().meta({ description: 'The request path, without its query string.' }),
    request_id: z
      .string()
      .meta({ description: 'Also sent as the `x-request-id` header; quote it in reports.' }),
    errors: z
      .array(fieldErrorSchema)
      .optional()
      .meta({ description: 'The invalid fields (validation errors only).' }),
  })
  .meta({ description: 'RFC 9457 problem details (application/problem+json).' });

const healthSchema = z.object({ status: z.literal('ok'), service: z.string() });

const checkReportSchema = z.object({
  ok: z.boolean(),
  details: z.record(z.string(), z.unknown()).optional(),
  error: z.string().optional(),
});

const readinessSchema = z.object({
  status: z.enum(['ready', 'not_ready']),
  service: z.string(),
  checks: z.record(z.string(), checkReportSchema).meta({ description: 'One report per dependency checked.' }),
});

const RUNTIME_TAG = 'runtime';

/** `GET /healthz`: the process answers (liveness). */
export function healthzOperation(): OpenApiOperation {
  return {
    operationId: 'getHealth',
    summary: 'Liveness: the process answers HTTP.',
    tags: [RUNTIME_TAG],
    responses: { '200': jsonResponse('Alive.', jsonSchemaOf(healthSchema)) },
  };
}

/** `GET /openapi.json`: this document. */
export function openApiOperation(): OpenApiOperation {
  return {
    operationId: 'getOpenApi',
    summary: 'This OpenAPI document.',
    tags: [RUNTIME_TAG],
    responses: { '200': jsonResponse('The OpenAPI 3.1 document of the service.', { type: 'object' }) },
  };
}

/** The probes and documents every service built on createHttpApp serves. */
function runtimePaths(): Record<string, OpenApiPathItem> {
  const readiness = (description: string) =>
    jsonResponse(description, jsonSchemaOf(readinessSchema), {
      'Cache-Control': { description: 'Always `no-store`.', schema: { type: 'string' } },
    });
  return {
    '/healthz': { get: healthzOperation() },
    '/readyz': {
      get: {
        operationId: 'getReadiness',
        summary: 'Readiness: every dependency of the service answers (each check bounded in time).',
        tags: [RUNTIME_TAG],
        responses: {
          '200': readiness('Ready to take traffic.'),
          '503': readiness('Not ready; the failing checks say why.'),
        },
      },
    },
    '/metrics': {
      get: {
        operationId: 'getMetrics',
        summary: 'Prometheus metrics of the service (text exposition format).',
        tags: [RUNTIME_TAG],
        responses: {
          '200': { description: 'The metrics.', content: { 'text/plain': { schema: { type: 'string' } } } },
        },
      },
    },
    [OPENAPI_PATH]: { get: openApiOperation() },
  };
}

function usesBearer(paths: Record<string, OpenApiPathItem>): boolean {
  return Object.values(paths).some((item) =>
    Object.values(item).some((operation) =>
      operation?.security?.some((requirement) => BEARER_SCHEME in requirement),
    ),
  );
}

/** Drops what z.toJSONSchema puts on a registry entry that has no place in `components.schemas`. */
function componentSchemas(schemas: Record<string, z.ZodType>): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [name, schema] of Object.entries(schemas)) registry.add(schema, { id: name });
  const generated = z.toJSONSchema(registry, {
    io: 'output',
    unrepresentable: 'throw',
    uri: (id) => `${SCHEMA_REF_PREFIX}${id}`,
  }).schemas as Record<string, JsonSchema>;
  const result: Record<string, JsonSchema> = {};
  for (const [name, schema] of Object.entries(generated)) {
    const { $schema: _dialect, $id: _id, ...rest } = schema;
    result[name] = rest;
  }
  return result;
}

export interface OpenApiDocumentOptions {
  title: string;
  version: string;
  description?: string;
  tags?: { name: string; description?: string }[];
  paths: Record<string, OpenApiPathItem>;
  /**
   * Named response schemas, in `components.schemas` (reach them with schemaRef). A named schema used
   * inside another one becomes a `$ref` to it.
   */
  schemas?: Record<string, z.ZodType>;
}

/**
 * A document with the shared parts filled in: the Problem schema, the bearer scheme when an operation
 * asks for it, and a problem+json `default` response on every operation (any error the stack answers).
 */
export function openApiDocument(options: OpenApiDocumentOptions): OpenApiDocument {
  const paths: Record<string, OpenApiPathItem> = {};
  for (const [route, item] of Object.entries(options.paths)) {
    const withDefaults: OpenApiPathItem = {};
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (!operation) continue;
      withDefaults[method] = {
        ...operation,
        responses: {
          ...operation.responses,
          default: operation.responses.default ?? problemResponse('Any other error, as a problem.'),
        },
      };
    }
    paths[route] = withDefaults;
  }
  const document: OpenApiDocument = {
    openapi: OPENAPI_VERSION,
    info: { title: options.title, version: options.version },
    paths,
    components: {
      schemas: componentSchemas({ Problem: problemSchema, FieldError: fieldErrorSchema, ...options.schemas }),
    },
  };
  if (options.description) document.info.description = options.description;
  if (options.tags) document.tags = options.tags;
  if (usesBearer(paths)) {
    document.components!.securitySchemes = {
      [BEARER_SCHEME]: {
        type: 'http',
        scheme: 'bearer',
        description: "The service's API_TOKEN.",
      },
    };
  }
  return document;
}

export interface ServiceOpenApiOptions extends Omit<OpenApiDocumentOptions, 'title' | 'version'> {
  service: string;
  /** Defaults to the version of the package.json in `packageDir`. */
  version?: string;
  /** The service's workspace folder, to read its version from. */
  packageDir?: string;
}

/** The version field of a package.json. */
export function packageVersion(packageDir: string): string {
  const json = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as {
    version?: unknown;
  };
  if (typeof json.version !== 'string') throw new Error(`no version in ${packageDir}/package.json`);
  return json.version;
}

/**
 * The document of a service built on createHttpApp: its own paths plus the runtime's probes
 * (`/healthz`, `/readyz`, `/metrics`) and `/openapi.json` itself.
 */
export function serviceOpenApi(options: ServiceOpenApiOptions): OpenApiDocument {
  const { service, version, packageDir, paths, ...rest } = options;
  const resolvedVersion = version ?? (packageDir ? packageVersion(packageDir) : undefined);
  if (!resolvedVersion) throw new Error('serviceOpenApi: give a version or a packageDir');
  return openApiDocument({
    ...rest,
    title: `orderflow ${service}`,
    version: resolvedVersion,
    tags: [
      ...(rest.tags ?? []),
      { name: RUNTIME_TAG, description: 'Probes, metrics and this document (the same in every service).' },
    ],
    paths: { ...paths, ...runtimePaths() },
  });
}

/** Serves a document (serialised once) as `application/json`. */
export function serveOpenApi(document: OpenApiDocument): RequestHandler {
  const body = JSON.stringify(document);
  return (_req, res) => {
    res.type('application/json').send(body);
  };
}
