import { request as httpRequest } from 'node:http';
import fc from 'fast-check';
import { HTTP_METHODS, type HttpMethod, type JsonSchema, type OpenApiDocument } from '../http/openapi';

/**
 * A fuzz driver for a service's HTTP API, driven by its OpenAPI document: every documented operation gets
 * malformed bodies, wrong types per field of its request schema, odd query strings, path tricks and the
 * methods it does not have. Each answer must be below 500 and every 4xx a problem+json with a reason, so a
 * route added to a document is fuzzed without anyone writing a case for it. Generation is seeded (the seed
 * is in the report), so a failure reproduces. Kept out of the package index: it needs dev-only packages.
 */

export interface FuzzRequest {
  /** The documented operation it targets, e.g. `GET /orders/{id}`, or `<path> (wrong method)`. */
  operation: string;
  /** What the case tries, e.g. `body: amount_cents = -1`. */
  category: string;
  method: string;
  /** Sent exactly as is: raw path and query, no normalisation. */
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

export interface FuzzAnswer {
  status: number;
  contentType: string | undefined;
  body: Buffer;
}

export interface FuzzFailure {
  request: FuzzRequest;
  answer?: { status: number; contentType: string | undefined; body: string };
  problems: string[];
}

export interface FuzzReport {
  seed: number;
  /** Requests sent, per operation. */
  requests: Record<string, number>;
  total: number;
  failures: FuzzFailure[];
  /** The slowest requests, slowest first: where a run's time goes. */
  slowest: { ms: number; operation: string; category: string }[];
}

export interface FuzzOptions {
  /** Seed of every random choice; defaults to FUZZ_SEED, then to a random one (always in the report). */
  seed?: number;
  /** Random cases per operation, on top of the fixed ones (default 20). */
  randomCasesPerOperation?: number;
  /** Headers sent with every request of an operation (e.g. a valid bearer token to reach validation). */
  headers?: (operation: string) => Record<string, string>;
  /**
   * Values sent for query parameters unless the case fuzzes that parameter (e.g. `timeout_ms: '0'` so a
   * long poll does not hold the run). Path parameters fall back to a value built from their schema.
   */
  baseline?: Record<string, string>;
  /** Operations (`GET /metrics`) left out entirely. */
  skip?: string[];
  /** The body past the service's limit (default 5 MB). */
  hugeBodyBytes?: number;
  /** Requests in flight at once (default 4). */
  concurrency?: number;
  /** Per-request bound; an answer slower than this is a failure (default 15 s). */
  requestTimeoutMs?: number;
  /** Stops after this many failures (default 20): one bug tends to fail many cases. */
  maxFailures?: number;
}

const PROBLEM_JSON = 'application/problem+json';
const MB = 1024 * 1024;

type Operation = {
  key: string;
  method: HttpMethod;
  template: string;
  pathParams: Param[];
  queryParams: Param[];
  headerParams: Param[];
  body?: { contentType: string; schema: JsonSchema | undefined };
};

type Param = { name: string; required: boolean; schema: JsonSchema };

// ---------------------------------------------------------------------------------------------------------
// Schema helpers

function deref(schema: JsonSchema | undefined, document: OpenApiDocument): JsonSchema {
  let current = schema ?? {};
  for (let i = 0; i < 10 && typeof current.$ref === 'string'; i++) {
    const name = current.$ref.replace('#/components/schemas/', '');
    current = document.components?.schemas?.[name] ?? {};
  }
  return current;
}

/** The non-null branch of `anyOf: [X, null]`, the schema itself otherwise. */
function mainBranch(schema: JsonSchema): JsonSchema {
  const anyOf = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (Array.isArray(anyOf)) return anyOf.find((branch) => branch.type !== 'null') ?? anyOf[0] ?? {};
  return schema;
}

function typeOf(schema: JsonSchema): string | undefined {
  const type = schema.type;
  if (Array.isArray(type)) return type.find((t) => t !== 'null') as string | undefined;
  return typeof type === 'string' ? type : undefined;
}

/** A value the schema accepts, as far as a plain reading of it goes (`$ref`s resolved in `document`). */
export function exampleValue(schema: JsonSchema, document: OpenApiDocument, seed: number): unknown {
  const s = mainBranch(deref(schema, document));
  if ('const' in s) return s.const;
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
  if (s.default !== undefined) return s.default;
  switch (typeOf(s)) {
    case 'string': {
      if (typeof s.pattern === 'string') {
        return fc.sample(fc.stringMatching(new RegExp(s.pattern)), { seed, numRuns: 1 })[0];
      }
      const min = typeof s.minLength === 'number' ? s.minLength : 1;
      return `fuzz-${'x'.repeat(Math.max(0, min - 5))}`;
    }
    case 'integer':
    case 'number': {
      const min = typeof s.minimum === 'number' ? s.minimum : undefined;
      const exclusive = typeof s.exclusiveMinimum === 'number' ? s.exclusiveMinimum + 1 : undefined;
      return Math.max(1, min ?? 1, exclusive ?? 1);
    }
    case 'boolean':
      return true;
    case 'array':
      return [];
    case 'object': {
      const out: Record<string, unknown> = {};
      const properties = (s.properties ?? {}) as Record<string, JsonSchema>;
      for (const name of (s.required as string[] | undefined) ?? []) {
        out[name] = exampleValue(properties[name] ?? {}, document, seed);
      }
      return out;
    }
    default:
      return 'fuzz';
  }
}

const LONG = 'x'.repeat(20_000);
const UNICODE = ['é', '日本語', '😀', '\u202e\u0645', 'Z\u0351\u0352\u0353', '\ud800'];
const PROTO_KEYS = ['__proto__', 'constructor', 'prototype'];

/** Values of the wrong type or out of range for a field of this schema, labelled. */
function wrongValues(schema: JsonSchema, document: OpenApiDocument): [string, unknown][] {
  const s = mainBranch(deref(schema, document));
  const type = typeOf(s);
  const common: [string, unknown][] = [
    ['object', { nested: true }],
    ['array', [1, 'two']],
    ['boolean', true],
    ['NUL byte', 'a\u0000b'],
    ['prototype object', { __proto__: { polluted: true }, constructor: { prototype: { polluted: true } } }],
    ['deeply nested array', JSON.parse('['.repeat(500) + ']'.repeat(500)) as unknown],
  ];
  if (type === 'integer' || type === 'number') {
    return [
      ...common,
      ['numeric string', '12'],
      ['empty string', ''],
      ['negative', -1],
      ['zero', 0],
      ['float', 1.5],
      ['tiny float', 0.0001],
      ['huge', 1e308],
      ['beyond safe integer', 2 ** 64],
      ['negative huge', -1e308],
      ['null', null],
      ['NaN string', 'NaN'],
      ['Infinity string', 'Infinity'],
      ['hex string', '0x10'],
    ];
  }
  if (type === 'string') {
    const max = typeof s.maxLength === 'number' ? s.maxLength : 10_000;
    return [
      ...common,
      ['number', 123],
      ['null', null],
      ['empty', ''],
      ['blank', '   '],
      ['overlong', 'y'.repeat(max + 1)],
      ['very long', LONG],
      ...UNICODE.map((u): [string, unknown] => [`unicode ${JSON.stringify(u)}`, `${u}-${u}`]),
      ['control characters', '\u0001\u0007\u001b[31m\r\n'],
      ['surrounding whitespace', ' padded '],
      ['path traversal', '../../etc/passwd'],
      ['SQL', "'; DROP TABLE x; --"],
      ['prototype key', '__proto__'],
    ];
  }
  if (type === 'boolean')
    return [...common.filter(([k]) => k !== 'boolean'), ['string', 'true'], ['number', 1]];
  return [...common, ['number', -1], ['string', 'x'], ['null', null]];
}

/** Raw (already encoded) query values that are wrong for a parameter of this schema. */
function wrongQueryValues(schema: JsonSchema): [string, string][] {
  const s = mainBranch(schema);
  const type = typeOf(s);
  const common: [string, string][] = [
    ['empty', ''],
    ['NUL', 'a%00b'],
    ['bad percent-encoding', '%ZZ'],
    ['lone percent', '%'],
    ['invalid UTF-8', '%C3%28%FF'],
    ['unicode', '%F0%9F%98%80%E2%80%AE'],
    ['overlong', 'q'.repeat(5_000)],
    ['prototype key', '__proto__'],
  ];
  if (type === 'integer' || type === 'number') {
    return [
      ...common,
      ['not a number', 'abc'],
      ['negative', '-1'],
      ['float', '1.5'],
      ['exponent overflow', '1e309'],
      ['huge', '99999999999999999999999'],
      ['hex', '0x10'],
      ['padded', '%201%20'],
      ['NaN', 'NaN'],
    ];
  }
  if (Array.isArray(s.enum))
    return [...common, ['unknown enum value', 'NOPE'], ['lower case', String(s.enum[0]).toLowerCase()]];
  return common;
}

// ---------------------------------------------------------------------------------------------------------
// Cases

function operationsOf(document: OpenApiDocument, skip: Set<string>): Operation[] {
  const operations: Operation[] = [];
  for (const [template, item] of Object.entries(document.paths)) {
    for (const method of HTTP_METHODS) {
      const op = item[method];
      if (!op) continue;
      const key = `${method.toUpperCase()} ${template}`;
      if (skip.has(key)) continue;
      const params = (op.parameters ?? []).map((p) => ({ ...p, required: p.required === true }));
      const content = op.requestBody?.content ?? {};
      const contentType = Object.keys(content)[0];
      let body: Operation['body'];
      if (contentType) {
        const media = content[contentType]?.schema;
        // A raw body that documents its JSON content (webhooks) is fuzzed through that content schema.
        const schema =
          media && typeof media.contentSchema === 'object' ? (media.contentSchema as JsonSchema) : media;
        body = { contentType, schema };
      }
      operations.push({
        key,
        method,
        template,
        pathParams: params.filter((p) => p.in === 'path'),
        queryParams: params.filter((p) => p.in === 'query'),
        headerParams: params.filter((p) => p.in === 'header'),
        body,
      });
    }
  }
  return operations;
}

function fillPath(template: string, values: Record<string, string>): string {
  return template.replace(/\{([^}]+)\}/g, (_m, name: string) => values[name] ?? 'fuzz');
}

function queryString(pairs: [string, string][]): string {
  return pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`;
}

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

interface CaseBuilder {
  add(category: string, parts: Partial<Omit<FuzzRequest, 'operation'>>): void;
}

function casesFor(
  op: Operation,
  document: OpenApiDocument,
  options: Required<Pick<FuzzOptions, 'hugeBodyBytes' | 'randomCasesPerOperation'>> & FuzzOptions,
  seed: number,
): FuzzRequest[] {
  const cases: FuzzRequest[] = [];
  const method = op.method.toUpperCase();
  const baseline = options.baseline ?? {};
  const pathValues = Object.fromEntries(
    op.pathParams.map((p) => [p.name, encodeURIComponent(String(exampleValue(p.schema, document, seed)))]),
  );
  const path = fillPath(op.template, pathValues);
  const baseQuery = (except?: string): [string, string][] =>
    op.queryParams
      .filter((p) => p.name !== except && (p.required || baseline[p.name] !== undefined))
      .map((p) => [
        p.name,
        baseline[p.name] ?? encodeURIComponent(String(exampleValue(p.schema, document, seed))),
      ]);
  const baseHeaders = (): Record<string, string> => {
    const headers: Record<string, string> = { ...options.headers?.(op.key) };
    for (const p of op.headerParams) {
      if (!(p.name.toLowerCase() in headers) && p.required !== false) {
        headers[p.name.toLowerCase()] = String(exampleValue(p.schema, document, seed));
      }
    }
    // Documented but optional headers (an idempotency key) are sent too, so the case reaches the body.
    for (const p of op.headerParams) {
      const name = p.name.toLowerCase();
      if (!(name in headers) && name.includes('idempotency')) headers[name] = `fuzz-${seed}-${cases.length}`;
    }
    return headers;
  };
  const validBody = op.body ? exampleValue(op.body.schema ?? {}, document, seed) : undefined;
  const bodyType = op.body?.contentType ?? 'application/json';

  const builder: CaseBuilder = {
    add(category, parts) {
      const headers = { ...baseHeaders(), ...parts.headers };
      const body = parts.body ?? (op.body ? json(validBody) : undefined);
      if (body !== undefined && !('content-type' in headers)) {
        headers['content-type'] = bodyType;
      }
      for (const [k, v] of Object.entries(headers)) if (v === undefined) delete headers[k];
      cases.push({
        operation: op.key,
        category,
        method: parts.method ?? method,
        path: parts.path ?? `${path}${queryString(baseQuery())}`,
        headers,
        body,
      });
    },
  };

  // Path tricks, for templates with parameters and for the literal ones alike.
  const tricks: [string, string][] = [
    ['trailing slash', `${path}/`],
    ['double slash', `/${path}`],
    ['inner double slash', path.replace(/\/([^/]*)$/, '//$1')],
    ['dot segment', `${path}/.`],
    ['dot-dot segment', `${path}/..`],
    ['encoded dot-dot', `${path}/%2e%2e/%2e%2e`],
    ['NUL in path', `${path}%00`],
    ['bad percent-encoding in path', `${path}%ZZ`],
  ];
  for (const p of op.pathParams) {
    const at = (value: string): string => fillPath(op.template, { ...pathValues, [p.name]: value });
    tricks.push(
      [`${p.name}: encoded traversal`, at('..%2F..%2Fetc%2Fpasswd')],
      [`${p.name}: encoded slash`, at('a%2Fb')],
      [`${p.name}: encoded backslash`, at('a%5Cb')],
      [`${p.name}: NUL`, at('a%00b')],
      [`${p.name}: overlong`, at('s'.repeat(8_000))],
      [`${p.name}: unicode`, at('%E6%97%A5%E6%9C%AC%F0%9F%98%80')],
      [`${p.name}: invalid UTF-8`, at('%C3%28%FF%FE')],
      [`${p.name}: bad percent-encoding`, at('%ZZ%')],
      [`${p.name}: control characters`, at('%01%1B%7F')],
      [`${p.name}: whitespace`, at('%20%09')],
      [`${p.name}: dot-dot`, at('..')],
      [`${p.name}: prototype key`, at('__proto__')],
    );
  }
  for (const [category, trick] of tricks) builder.add(`path: ${category}`, { path: trick });

  // Odd query strings.
  const withQuery = (pairs: [string, string][]): string =>
    `${path}${queryString([...baseQuery(), ...pairs])}`;
  builder.add('query: empty', { path: `${path}?` });
  builder.add('query: only separators', { path: `${path}?&&=&` });
  builder.add('query: unknown parameter', { path: withQuery([['unknown_param', '1']]) });
  builder.add('query: bad percent-encoding in a key', { path: withQuery([['%ZZ', '1']]) });
  builder.add('query: 100 KB', { path: withQuery([['pad', 'p'.repeat(100_000)]]) });
  builder.add('query: prototype keys', {
    path: withQuery([
      ['__proto__', 'x'],
      ['constructor', 'x'],
      ['__proto__[polluted]', '1'],
    ]),
  });
  for (const p of op.queryParams) {
    const good = baseline[p.name] ?? encodeURIComponent(String(exampleValue(p.schema, document, seed)));
    const rest = baseQuery(p.name);
    const at = (pairs: [string, string][]): string => `${path}${queryString([...rest, ...pairs])}`;
    builder.add(`query ${p.name}: repeated`, {
      path: at([
        [p.name, good],
        [p.name, good],
      ]),
    });
    builder.add(`query ${p.name}: array`, { path: at([[`${p.name}[]`, good]]) });
    builder.add(`query ${p.name}: object`, { path: at([[`${p.name}[b]`, good]]) });
    builder.add(`query ${p.name}: indexed`, { path: at([[`${p.name}[0]`, good]]) });
    builder.add(`query ${p.name}: no value`, { path: at([[p.name, '']]).replace(/=$/, '') });
    for (const [label, value] of wrongQueryValues(p.schema)) {
      builder.add(`query ${p.name}: ${label}`, { path: at([[p.name, value]]) });
    }
  }
  if (op.queryParams.some((p) => p.required)) builder.add('query: none at all', { path });

  // Header parameters: missing, blank, overlong.
  for (const p of op.headerParams) {
    const name = p.name.toLowerCase();
    builder.add(`header ${p.name}: blank`, { headers: { [name]: '' } });
    builder.add(`header ${p.name}: overlong`, { headers: { [name]: 'h'.repeat(8_000) } });
    builder.add(`header ${p.name}: control characters`, { headers: { [name]: 'a\tb' } });
  }

  // Bodies.
  if (op.body) {
    const truncated = JSON.stringify(validBody);
    const bodyCases: [string, Buffer, Record<string, string>?][] = [
      ['body: empty', Buffer.alloc(0)],
      ['body: truncated', Buffer.from(truncated.slice(0, Math.max(1, truncated.length - 3)))],
      ['body: lone brace', Buffer.from('{')],
      ['body: []', Buffer.from('[]')],
      ['body: null', Buffer.from('null')],
      ['body: a string', Buffer.from('"text"')],
      ['body: a number', Buffer.from('42')],
      ['body: trailing garbage', Buffer.from(`${truncated}xyz`)],
      ['body: duplicate keys', Buffer.from(`{"a":1,"a":2,${truncated.slice(1)}`)],
      ['body: nested 10k levels', Buffer.from('['.repeat(10_000) + ']'.repeat(10_000))],
      ['body: object nested 10k levels', Buffer.from('{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000))],
      [
        'body: invalid UTF-8',
        Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]),
      ],
      ['body: BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), json(validBody)])],
      ['body: huge', Buffer.alloc(options.hugeBodyBytes, 0x20)],
      ['body: huge JSON string', Buffer.from(`{"pad":"${'p'.repeat(options.hugeBodyBytes)}"}`)],
      ['body: text/plain', json(validBody), { 'content-type': 'text/plain' }],
      ['body: form encoded', Buffer.from('a=1&b=2'), { 'content-type': 'application/x-www-form-urlencoded' }],
      [
        'body: multipart',
        Buffer.from('--x\r\n\r\n--x--'),
        { 'content-type': 'multipart/form-data; boundary=x' },
      ],
      ['body: bad content-type', json(validBody), { 'content-type': '/;;=' }],
      ['body: JSON as UTF-16', json(validBody), { 'content-type': 'application/json; charset=utf-16' }],
      ['body: unknown charset', json(validBody), { 'content-type': 'application/json; charset=klingon' }],
      ['body: garbage gzip', Buffer.from('not gzip'), { 'content-encoding': 'gzip' }],
      ['body: unknown content-encoding', json(validBody), { 'content-encoding': 'zstd-nope' }],
      ['body: +json type', json(validBody), { 'content-type': 'application/merge-patch+json' }],
    ];
    for (const [category, body, headers] of bodyCases) builder.add(category, { body, headers });
    builder.add('body: no content-type', {
      body: json(validBody),
      headers: { 'content-type': undefined as unknown as string },
    });
    if (typeof validBody === 'object' && validBody !== null && !Array.isArray(validBody)) {
      const base = validBody as Record<string, unknown>;
      const schema = mainBranch(deref(op.body.schema, document));
      const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
      for (const [field, fieldSchema] of Object.entries(properties)) {
        for (const [label, value] of wrongValues(fieldSchema, document)) {
          builder.add(`body ${field}: ${label}`, { body: json({ ...base, [field]: value }) });
        }
      }
      for (const field of (schema.required as string[] | undefined) ?? []) {
        const { [field]: _gone, ...rest } = base;
        builder.add(`body ${field}: missing`, { body: json(rest) });
      }
      for (const key of PROTO_KEYS) {
        builder.add(`body: top-level ${key}`, {
          body: Buffer.from(`{"${key}":{"polluted":true},${JSON.stringify(base).slice(1)}`),
        });
      }
      builder.add('body: unknown field', { body: json({ ...base, unknown_field: 1 }) });
    }
  }

  // Random cases: fast-check generated JSON bodies, query values and path segments, from the seed.
  const random = fc.sample(
    fc.record({
      json: fc.jsonValue({ maxDepth: 4 }),
      text: fc.string({ unit: 'binary', maxLength: 64 }),
      field: fc.nat(),
      kind: fc.integer({ min: 0, max: 3 }),
    }),
    { seed, numRuns: options.randomCasesPerOperation },
  );
  random.forEach((r, index) => {
    const encoded = encodeURIComponent(r.text.replace(/[\ud800-\udfff]/g, '?'));
    if (r.kind === 0 && op.body && typeof validBody === 'object' && validBody !== null) {
      const fields = Object.keys((mainBranch(deref(op.body.schema, document)).properties ?? {}) as object);
      const field = fields.length > 0 ? fields[r.field % fields.length]! : 'random';
      builder.add(`random ${index}: body ${field}`, {
        body: json({ ...(validBody as object), [field]: r.json }),
      });
    } else if (r.kind === 1 && op.body) {
      builder.add(`random ${index}: body`, { body: json(r.json) });
    } else if (r.kind === 2 && op.pathParams.length > 0) {
      const p = op.pathParams[r.field % op.pathParams.length]!;
      builder.add(`random ${index}: path ${p.name}`, {
        path: fillPath(op.template, { ...pathValues, [p.name]: encoded || '%20' }),
      });
    } else if (op.queryParams.length > 0) {
      const p = op.queryParams[r.field % op.queryParams.length]!;
      builder.add(`random ${index}: query ${p.name}`, {
        path: `${path}${queryString([...baseQuery(p.name), [p.name, encoded]])}`,
      });
    } else {
      builder.add(`random ${index}: query`, { path: `${path}?${encodeURIComponent(r.text)}=${encoded}` });
    }
  });
  return cases;
}

/** The methods a path does not have, each sent once (a JSON body where one could go). */
function wrongMethodCases(document: OpenApiDocument, skip: Set<string>, seed: number): FuzzRequest[] {
  const cases: FuzzRequest[] = [];
  for (const [template, item] of Object.entries(document.paths)) {
    const path = fillPath(template, {});
    for (const method of ['get', 'post', 'put', 'patch', 'delete'] as const) {
      if (item[method] || skip.has(`${method.toUpperCase()} ${template}`)) continue;
      const body = method === 'get' || method === 'delete' ? undefined : json({ seed });
      cases.push({
        operation: `${template} (wrong method)`,
        category: `method ${method.toUpperCase()}`,
        method: method.toUpperCase(),
        path,
        headers: body ? { 'content-type': 'application/json' } : {},
        body,
      });
    }
  }
  cases.push({
    operation: '(unknown path)',
    category: 'no such route',
    method: 'GET',
    path: `/no-such-route-${seed}`,
    headers: {},
  });
  return cases;
}

// ---------------------------------------------------------------------------------------------------------
// Sending and judging

/** Sends a request byte for byte (no URL normalisation), collecting the answer. */
export function sendRaw(baseUrl: string, req: FuzzRequest, timeoutMs: number): Promise<FuzzAnswer> {
  const url = new URL(baseUrl);
  return new Promise<FuzzAnswer>((resolve, reject) => {
    let settled = false;
    const headers: Record<string, string | number> = { ...req.headers, connection: 'close' };
    if (req.body) headers['content-length'] = req.body.length;
    const client = httpRequest({
      host: url.hostname,
      port: url.port,
      method: req.method,
      path: req.path,
      headers,
      timeout: timeoutMs,
    });
    client.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        settled = true;
        resolve({
          status: res.statusCode ?? 0,
          contentType: res.headers['content-type'],
          body: Buffer.concat(chunks),
        });
      });
      res.on('error', (error) => {
        if (!settled) reject(error);
      });
    });
    client.on('timeout', () => client.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    // A server that answers before reading a huge body may cut the upload: only a missing answer counts.
    client.on('error', (error) => {
      if (!settled) setTimeout(() => !settled && reject(error), 200);
    });
    if (req.body) client.end(req.body);
    else client.end();
  });
}

/** What is wrong with an answer; nothing when it is fine. */
export function judgeAnswer(req: FuzzRequest, answer: FuzzAnswer): string[] {
  const problems: string[] = [];
  // Readiness answers 503 when a dependency is away, whatever the request: that says nothing about input.
  if (req.operation === 'GET /readyz' && answer.status === 503) return problems;
  if (answer.status >= 500) problems.push(`status ${answer.status} (server error)`);
  if (answer.status < 400 || req.method === 'HEAD') return problems;
  const type = answer.contentType?.split(';')[0]?.trim().toLowerCase();
  if (type !== PROBLEM_JSON) {
    problems.push(`a ${answer.status} answered as ${type ?? 'no content type'}, not ${PROBLEM_JSON}`);
    return problems;
  }
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(answer.body.toString('utf8')) as Record<string, unknown>;
  } catch {
    return [...problems, 'the problem body is not JSON'];
  }
  if (typeof body.detail !== 'string' || body.detail.trim() === '')
    problems.push('the problem has no detail');
  if (body.status !== answer.status) problems.push(`the problem says status ${String(body.status)}`);
  if (typeof body.code !== 'string') problems.push('the problem has no code');
  if (body.code === 'HTTP.VALIDATION') {
    const errors = body.errors as { field?: unknown }[] | undefined;
    if (!Array.isArray(errors) || errors.length === 0 || errors.some((e) => typeof e.field !== 'string')) {
      problems.push('a validation problem that names no field');
    }
  }
  return problems;
}

function describe(req: FuzzRequest): string {
  const headers = Object.entries(req.headers)
    .map(([k, v]) => `${k}: ${v.length > 80 ? `${v.slice(0, 80)}... (${v.length} chars)` : v}`)
    .join('; ');
  const path = req.path.length > 200 ? `${req.path.slice(0, 200)}... (${req.path.length} chars)` : req.path;
  const body =
    req.body === undefined
      ? ''
      : ` body ${req.body.length > 200 ? `${req.body.subarray(0, 200).toString('utf8')}... (${req.body.length} bytes)` : req.body.toString('utf8')}`;
  return `${req.method} ${path} [${headers}]${body}`;
}

/** A readable account of the failures, with the seed to reproduce them. */
export function formatFuzzReport(report: FuzzReport): string {
  const lines = [
    `fuzz seed ${report.seed} (FUZZ_SEED=${report.seed} reproduces): ${report.total} requests, ${report.failures.length} failures`,
  ];
  for (const failure of report.failures) {
    lines.push(
      `- ${failure.request.operation} / ${failure.request.category}: ${failure.problems.join('; ')}`,
      `    request: ${describe(failure.request)}`,
    );
    if (failure.answer) {
      lines.push(
        `    answer: ${failure.answer.status} ${failure.answer.contentType ?? ''} ${failure.answer.body}`,
      );
    }
  }
  return lines.join('\n');
}

function initialSeed(seed: number | undefined): number {
  if (seed !== undefined) return seed;
  const fromEnv = Number(process.env.FUZZ_SEED);
  return Number.isInteger(fromEnv) && process.env.FUZZ_SEED ? fromEnv : Math.floor(Math.random() * 2 ** 31);
}

/** Every case the document yields under a seed, without sending any (for inspection and counts). */
export function fuzzCases(document: OpenApiDocument, options: FuzzOptions & { seed: number }): FuzzRequest[] {
  const skip = new Set(options.skip ?? []);
  const resolved = {
    ...options,
    hugeBodyBytes: options.hugeBodyBytes ?? 5 * MB,
    randomCasesPerOperation: options.randomCasesPerOperation ?? 20,
  };
  return [
    ...operationsOf(document, skip).flatMap((op, index) =>
      casesFor(op, document, resolved, options.seed + index),
    ),
    ...wrongMethodCases(document, skip, options.seed),
  ];
}

/**
 * Sends every case of the document to `baseUrl` and judges each answer: below 500, and a 4xx is
 * problem+json with a detail (and a field for validation errors). A request with no answer at all (a cut
 * connection, a timeout) is a failure too.
 */
export async function fuzzHttpApi(
  baseUrl: string,
  document: OpenApiDocument,
  options: FuzzOptions = {},
): Promise<FuzzReport> {
  const seed = initialSeed(options.seed);
  const cases = fuzzCases(document, { ...options, seed });
  const report: FuzzReport = { seed, requests: {}, total: 0, failures: [], slowest: [] };
  const maxFailures = options.maxFailures ?? 20;
  const timeoutMs = options.requestTimeoutMs ?? 15_000;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < cases.length && report.failures.length < maxFailures) {
      const req = cases[next++]!;
      report.requests[req.operation] = (report.requests[req.operation] ?? 0) + 1;
      report.total++;
      const started = Date.now();
      try {
        const answer = await sendRaw(baseUrl, req, timeoutMs);
        report.slowest.push({ ms: Date.now() - started, operation: req.operation, category: req.category });
        report.slowest.sort((a, b) => b.ms - a.ms).splice(10);
        const problems = judgeAnswer(req, answer);
        if (problems.length > 0) {
          const text = answer.body.toString('utf8');
          report.failures.push({
            request: req,
            answer: {
              status: answer.status,
              contentType: answer.contentType,
              body: text.length > 500 ? `${text.slice(0, 500)}...` : text,
            },
            problems,
          });
        }
      } catch (error) {
        report.failures.push({ request: req, problems: [`no answer: ${(error as Error).message}`] });
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 4 }, worker));
  return report;
}

/** The operations a document protects with a security requirement (e.g. bearer tokens). */
export function securedOperations(document: OpenApiDocument): { method: HttpMethod; path: string }[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    HTTP_METHODS.filter((method) => (item[method]?.security ?? []).length > 0).map((method) => ({
      method,
      path,
    })),
  );
}
