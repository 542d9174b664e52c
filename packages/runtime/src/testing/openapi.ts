import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { Express, Router } from 'express';
import { createPool } from '../db/pool';
import { startHttpServer } from '../http/server';
import {
  HTTP_METHODS,
  OPENAPI_PATH,
  type HttpMethod,
  type JsonSchema,
  type OpenApiDocument,
} from '../http/openapi';
import { createKafka } from '../kafka/client';
import { createLogger } from '../logger';
import { createMetrics } from '../metrics';
import type { ServiceConfig, ServiceContext, ServiceDefinition } from '../service';

/**
 * Test helpers that keep each service's OpenAPI document honest: its operations against the routes the
 * express app really has, the document against the OpenAPI 3.1 schema, and real responses against the
 * schemas it promises. Kept out of the package index: they need dev-only packages.
 */

export interface RouteEntry {
  method: HttpMethod;
  /** OpenAPI form: `/orders/{id}`. */
  path: string;
}

interface LayerLike {
  rawPath?: unknown;
  slash?: boolean;
  route?: { path: unknown; methods: Record<string, boolean | undefined> };
  handle?: unknown;
}

function stackOf(handle: unknown): LayerLike[] | undefined {
  const stack = (handle as { stack?: unknown } | null | undefined)?.stack;
  return typeof handle === 'function' && Array.isArray(stack) ? (stack as LayerLike[]) : undefined;
}

/** `/orders/:id` -> `/orders/{id}`; wildcards, optional parts and regular expressions have no OpenAPI form. */
export function openApiPath(expressPath: string): string {
  if (/[*?(){}[\]]/.test(expressPath)) {
    throw new Error(`route ${expressPath}: wildcards and optional parts cannot be checked against OpenAPI`);
  }
  return expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function joinPaths(prefix: string, path: string): string {
  const joined = `${prefix.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
  return joined.length > 1 ? joined.replace(/\/+$/, '') : joined;
}

function layerPath(layer: LayerLike, fallback: unknown): string {
  const raw = layer.rawPath ?? fallback;
  if (typeof raw !== 'string') {
    throw new Error(`a route or router is mounted at ${String(raw)}: only plain string paths can be checked`);
  }
  return raw;
}

function collectRoutes(stack: LayerLike[], prefix: string, into: RouteEntry[]): void {
  for (const layer of stack) {
    if (layer.route) {
      const path = openApiPath(joinPaths(prefix, layerPath(layer, layer.route.path)));
      for (const [method, enabled] of Object.entries(layer.route.methods)) {
        if (!enabled) continue;
        if (!(HTTP_METHODS as readonly string[]).includes(method)) {
          throw new Error(`route ${path} answers every method (${method}): list the methods instead`);
        }
        into.push({ method: method as HttpMethod, path });
      }
      continue;
    }
    const nested = stackOf(layer.handle);
    // Anything else is middleware (parsers, static files, the 404 and error handlers): no operation.
    if (nested)
      collectRoutes(nested, joinPaths(prefix, layerPath(layer, layer.slash ? '/' : undefined)), into);
  }
}

/** Every method + path an express 5 app or router has a route for, nested routers included. */
export function listRoutes(app: Express | Router): RouteEntry[] {
  const root = (app as { router?: unknown }).router ?? app;
  const stack = (root as { stack?: unknown }).stack;
  if (!Array.isArray(stack)) throw new Error('not an express 5 app or router (no router stack)');
  const routes: RouteEntry[] = [];
  collectRoutes(stack as LayerLike[], '/', routes);
  return routes;
}

/** Every method + path the document describes. */
export function documentedOperations(document: OpenApiDocument): RouteEntry[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    HTTP_METHODS.filter((method) => item[method] !== undefined).map((method) => ({ method, path })),
  );
}

const entryKey = (entry: RouteEntry): string => `${entry.method.toUpperCase()} ${entry.path}`;

export interface RouteComparison {
  /** Routes the app has that the document does not describe. */
  undocumented: string[];
  /** Operations the document describes that the app has no route for. */
  missing: string[];
}

/** Both ways: every route documented, every documented operation served. */
export function compareRoutes(routes: RouteEntry[], document: OpenApiDocument): RouteComparison {
  const served = new Set(routes.map(entryKey));
  const documented = new Set(documentedOperations(document).map(entryKey));
  return {
    undocumented: [...served].filter((key) => !documented.has(key)).sort(),
    missing: [...documented].filter((key) => !served.has(key)).sort(),
  };
}

// Runs in a separate node process: the validator ships as an ES module only, which jest's CommonJS
// module system cannot load.
const VALIDATE_SCRIPT = `
const { Validator } = await import(process.argv[1]);
let input = '';
for await (const chunk of process.stdin) input += chunk;
const result = await new Validator().validate(JSON.parse(input));
process.stdout.write(JSON.stringify(result));
`;

/**
 * Checks a document against the official OpenAPI schema of its version and that each `$ref` resolves
 * (@seriousme/openapi-schema-validator). Returns the errors; none when valid.
 */
export async function validateOpenApiDocument(document: OpenApiDocument): Promise<string[]> {
  const validator = pathToFileURL(require.resolve('@seriousme/openapi-schema-validator')).href;
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', VALIDATE_SCRIPT, validator], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`the OpenAPI validator exited with ${code}: ${stderr.trim()}`));
    });
    child.stdin.end(JSON.stringify(document));
  });
  const result = JSON.parse(output) as { valid: boolean; errors?: unknown };
  if (result.valid) return [];
  const { errors } = result;
  if (!Array.isArray(errors)) return [String(errors ?? 'invalid')];
  return errors.map((error: { instancePath?: string; message?: string; params?: unknown }) =>
    `${error.instancePath || '/'} ${error.message ?? 'invalid'} ${JSON.stringify(error.params ?? {})}`.trim(),
  );
}

export interface OpenApiReport extends RouteComparison {
  /** What the validator says about the document itself. */
  invalid: string[];
}

/** The whole static check of a service: routes vs document both ways, and the document's validity. */
export async function checkOpenApi(app: Express | Router, document: OpenApiDocument): Promise<OpenApiReport> {
  return { ...compareRoutes(listRoutes(app), document), invalid: await validateOpenApiDocument(document) };
}

export interface ObservedResponse {
  method: string;
  /** The request path as sent, e.g. `/orders/o-1?wait=final` (the query is ignored). */
  path: string;
  status: number;
  contentType: string | null;
  body: unknown;
}

const COMPONENTS_ID = 'openapi-components.json';

/** Points `#/components/schemas/X` at the schema registered under COMPONENTS_ID. */
function rewriteRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewriteRefs);
  if (value === null || typeof value !== 'object') return value;
  const result: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    result[key] =
      key === '$ref' && typeof inner === 'string' && inner.startsWith('#/components/schemas/')
        ? `${COMPONENTS_ID}#/$defs/${inner.slice('#/components/schemas/'.length)}`
        : rewriteRefs(inner);
  }
  return result;
}

function templateMatcher(template: string): { regex: RegExp; literals: number } {
  const segments = template.split('/');
  const pattern = segments
    .map((segment) =>
      /^\{[^}]+\}$/.test(segment) ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('/');
  return { regex: new RegExp(`^${pattern}$`), literals: segments.filter((s) => !s.startsWith('{')).length };
}

/**
 * Validates real responses against the document: the status must be documented for the operation (or
 * covered by a range or `default`), the media type must be one it lists, and the body must match its
 * schema (JSON Schema 2020-12, formats checked). Returns the problems found; none when it conforms.
 */
export function openApiResponseValidator(
  document: OpenApiDocument,
): (response: ObservedResponse) => string[] {
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
  addFormats(ajv);
  ajv.addSchema({ $id: COMPONENTS_ID, $defs: rewriteRefs(document.components?.schemas ?? {}) as JsonSchema });
  const compiled = new Map<string, ValidateFunction>();
  const templates = Object.keys(document.paths).map((template) => ({
    template,
    ...templateMatcher(template),
  }));

  return (response) => {
    const method = response.method.toLowerCase() as HttpMethod;
    const path = response.path.split('?')[0] ?? '/';
    const candidates = templates
      .filter((t) => t.regex.test(path) && document.paths[t.template]?.[method])
      .sort((a, b) => b.literals - a.literals);
    const template = candidates[0]?.template;
    if (!template) return [`${method.toUpperCase()} ${path} matches no documented operation`];
    const operation = document.paths[template]![method]!;
    const where = `${method.toUpperCase()} ${template} -> ${response.status}`;
    const status = String(response.status);
    const documented =
      operation.responses[status] ?? operation.responses[`${status[0]}XX`] ?? operation.responses.default;
    if (!documented) return [`${where}: status not documented`];
    const mediaType = response.contentType?.split(';')[0]?.trim().toLowerCase();
    if (!documented.content) {
      return response.body === undefined || response.body === ''
        ? []
        : [`${where}: documented without a body`];
    }
    if (!mediaType || !documented.content[mediaType]) {
      return [
        `${where}: content type ${mediaType ?? 'none'} not documented (${Object.keys(documented.content).join(', ')})`,
      ];
    }
    const schema = documented.content[mediaType]!.schema;
    if (!schema) return [];
    const key = `${method} ${template} ${status} ${mediaType}`;
    let validate = compiled.get(key);
    if (!validate) {
      validate = ajv.compile(rewriteRefs(schema) as JsonSchema);
      compiled.set(key, validate);
    }
    if (validate(response.body)) return [];
    return (validate.errors ?? []).map(
      (error) =>
        `${where}: ${error.instancePath || '(body)'} ${error.message ?? 'invalid'} ${JSON.stringify(error.params)}`,
    );
  };
}

/**
 * A context good enough to build a service's routes without starting it: a silent logger, its own
 * metrics registry, and a pool and a Kafka client that connect only when used. End the pool afterwards.
 */
export function httpOnlyContext<C extends ServiceConfig>(
  definition: ServiceDefinition<C>,
  config: C,
): ServiceContext<C> {
  const logger = createLogger({ service: definition.name, level: 'silent' });
  return {
    config,
    logger,
    metrics: createMetrics(definition.name, { defaultMetrics: false }),
    pool: createPool({
      connectionString: config.DATABASE_URL,
      applicationName: `${definition.name}-openapi-test`,
    }),
    kafka: createKafka(config, definition.name, logger),
    schema: definition.schema ?? config.DB_SCHEMA ?? definition.name,
  };
}

/** What `GET /openapi.json` answers, from the app listening on a free port for the one request. */
export async function fetchServedOpenApi(
  app: Express,
): Promise<{ status: number; contentType: string | null; body: unknown }> {
  const logger = createLogger({ service: 'openapi-test', level: 'silent' });
  const server = await startHttpServer(app, { host: '127.0.0.1', port: 0, logger, shutdownGraceMs: 1_000 });
  try {
    const response = await fetch(`http://127.0.0.1:${server.port}${OPENAPI_PATH}`);
    return {
      status: response.status,
      contentType: response.headers.get('content-type'),
      body: await response.json(),
    };
  } finally {
    await server.close();
  }
}
