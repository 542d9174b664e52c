import { randomBytes } from 'node:crypto';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { Pool } from 'pg';
import pino from 'pino';
import { startRegistry, type RunningRegistry } from '../src';

const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/orderflow';
const dbSchema = `sr_test_${randomBytes(6).toString('hex')}`;
const logger = pino({ level: 'silent' });

let pool: Pool;
let registry: RunningRegistry;
let subjectCounter = 0;

/** A subject no other test (or earlier run) uses. */
const newSubject = (topic: string) => `${topic}-${dbSchema}-${++subjectCounter}-value`;

type Field = { name: string; type: unknown; default?: unknown };
const recordSchema = (fields: Field[], name = 'Order') =>
  JSON.stringify({ type: 'record', name, namespace: 'orderflow.test', fields });
const v1 = recordSchema([{ name: 'order_id', type: 'string' }]);
const v2 = recordSchema([
  { name: 'order_id', type: 'string' },
  { name: 'note', type: 'string', default: '' },
]);

interface ApiResponse {
  status: number;
  contentType: string | null;
  body: unknown;
}

async function api(method: string, path: string, body?: unknown): Promise<ApiResponse> {
  const res = await fetch(`${registry.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    body: text ? JSON.parse(text) : undefined,
  };
}

const register = (subject: string, schema: string) =>
  api('POST', `/subjects/${encodeURIComponent(subject)}/versions`, { schema });

async function registeredId(subject: string, schema: string): Promise<number> {
  const res = await register(subject, schema);
  expect(res.status).toBe(200);
  return (res.body as { id: number }).id;
}

beforeAll(async () => {
  pool = new Pool({ connectionString: databaseUrl, max: 10 });
  registry = await startRegistry({ pool, logger, port: 0, dbSchema });
});

afterAll(async () => {
  await registry?.stop();
  await pool?.query(`DROP SCHEMA IF EXISTS "${dbSchema}" CASCADE`);
  await pool?.end();
});

describe('registration', () => {
  test('registering the same schema twice returns the same id and creates one version', async () => {
    const subject = newSubject('orders.placed');
    const first = await register(subject, v1);
    expect(first.status).toBe(200);
    expect(first.contentType).toContain('application/vnd.schemaregistry.v1+json');
    expect(first.body).toEqual({ id: expect.any(Number) });

    const again = await register(subject, v1);
    expect(again.body).toEqual(first.body);
    expect((await api('GET', `/subjects/${subject}/versions`)).body).toEqual([1]);
  });

  test('ids are global: an equal schema, however formatted, gets the same id under another subject', async () => {
    const id = await registeredId(newSubject('a'), v2);
    const reformatted = JSON.stringify(JSON.parse(v2), null, 2).replace(
      '"type": "record"',
      '"type":   "record"',
    );
    const otherSubject = newSubject('b');
    expect(await registeredId(otherSubject, reformatted)).toBe(id);
    expect((await api('GET', `/subjects/${otherSubject}/versions/latest`)).body).toMatchObject({
      version: 1,
      id,
    });
  });

  test('accepts bodies sent as application/json and application/octet-stream', async () => {
    const subject = newSubject('content-types');
    for (const contentType of ['application/json', 'application/octet-stream']) {
      const res = await fetch(`${registry.url}/subjects/${subject}/versions`, {
        method: 'POST',
        headers: { 'content-type': contentType },
        body: JSON.stringify({ schema: v1 }),
      });
      expect(res.status).toBe(200);
    }
    expect((await api('GET', `/subjects/${subject}/versions`)).body).toEqual([1]);
  });

  test('an invalid Avro schema is refused with 422 / 42201', async () => {
    const subject = newSubject('invalid');
    const res = await register(
      subject,
      JSON.stringify({ type: 'record', name: 'R', fields: [{ name: 'a', type: 'nope' }] }),
    );
    expect(res.status).toBe(422);
    expect(res.body).toEqual({ error_code: 42201, message: expect.stringContaining('nope') });

    const notJson = await register(subject, '{"type": "record"');
    expect(notJson.status).toBe(422);
    expect((notJson.body as { error_code: number }).error_code).toBe(42201);

    const missing = await api('POST', `/subjects/${subject}/versions`, { schemaType: 'AVRO' });
    expect(missing.status).toBe(422);
    expect((missing.body as { error_code: number }).error_code).toBe(42201);
    expect((await api('GET', `/subjects/${subject}/versions`)).status).toBe(404);
  });

  test('schema types other than AVRO, and references, are refused with 42201 saying so', async () => {
    const subject = newSubject('protobuf');
    const proto = await api('POST', `/subjects/${subject}/versions`, {
      schemaType: 'PROTOBUF',
      schema: 'syntax = "proto3"; message M { string a = 1; }',
    });
    expect(proto.status).toBe(422);
    expect(proto.body).toEqual({ error_code: 42201, message: expect.stringContaining('AVRO') });

    const withRefs = await api('POST', `/subjects/${subject}/versions`, {
      schema: v1,
      references: [{ name: 'x', subject: 'y', version: 1 }],
    });
    expect(withRefs.status).toBe(422);
    expect((withRefs.body as { message: string }).message).toContain('references');
  });

  test('a malformed JSON body is a 400 with an error_code, not a 500', async () => {
    const res = await api('POST', `/subjects/${newSubject('malformed')}/versions`, '{"schema": ');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error_code: 400, message: expect.stringContaining('Malformed JSON') });
  });

  test('an incompatible change is refused with 409 and leaves the subject unchanged', async () => {
    const subject = newSubject('incompatible');
    await registeredId(subject, v1);
    const breaking = recordSchema([
      { name: 'order_id', type: 'string' },
      { name: 'qty', type: 'int' },
    ]);
    const res = await register(subject, breaking);
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ error_code: 409, message: expect.stringContaining('incompatible') });
    expect((await api('GET', `/subjects/${subject}/versions`)).body).toEqual([1]);

    // The same change goes through once the subject opts out of checks.
    await api('PUT', `/config/${subject}`, { compatibility: 'NONE' });
    expect((await register(subject, breaking)).status).toBe(200);
    expect((await api('GET', `/subjects/${subject}/versions`)).body).toEqual([1, 2]);
  });
});

describe('reading subjects and schemas', () => {
  test('lookup finds the version holding a schema; 40401 for an unknown subject, 40403 for an unknown schema', async () => {
    const subject = newSubject('lookup');
    const id1 = await registeredId(subject, v1);
    const id2 = await registeredId(subject, v2);

    const found = await api('POST', `/subjects/${subject}`, { schema: v1 });
    expect(found.status).toBe(200);
    expect(found.body).toEqual({ subject, id: id1, version: 1, schema: JSON.stringify(JSON.parse(v1)) });
    expect((await api('POST', `/subjects/${subject}`, { schema: v2 })).body).toMatchObject({
      id: id2,
      version: 2,
    });

    const noSubject = await api('POST', `/subjects/${newSubject('nobody')}`, { schema: v1 });
    expect(noSubject.status).toBe(404);
    expect((noSubject.body as { error_code: number }).error_code).toBe(40401);

    const noSchema = await api('POST', `/subjects/${subject}`, {
      schema: recordSchema([{ name: 'other', type: 'long' }]),
    });
    expect(noSchema.status).toBe(404);
    expect((noSchema.body as { error_code: number }).error_code).toBe(40403);
  });

  test('versions, latest, -1 and the raw schema of a version', async () => {
    const subject = newSubject('versions');
    await registeredId(subject, v1);
    const id2 = await registeredId(subject, v2);

    expect((await api('GET', `/subjects/${subject}/versions`)).body).toEqual([1, 2]);
    const latest = await api('GET', `/subjects/${subject}/versions/latest`);
    expect(latest.body).toEqual({ subject, version: 2, id: id2, schema: JSON.stringify(JSON.parse(v2)) });
    expect((await api('GET', `/subjects/${subject}/versions/-1`)).body).toEqual(latest.body);
    expect((await api('GET', `/subjects/${subject}/versions/1`)).body).toMatchObject({ version: 1 });
    expect((await api('GET', `/subjects/${subject}/versions/1/schema`)).body).toEqual(JSON.parse(v1));
    expect((await api('GET', '/subjects')).body).toEqual(expect.arrayContaining([subject]));
  });

  test('missing subjects, versions and schemas answer 40401, 40402, 40403; a bad version 42202', async () => {
    const subject = newSubject('missing');
    await registeredId(subject, v1);
    const expectError = async (path: string, status: number, errorCode: number) => {
      const res = await api('GET', path);
      expect({
        path,
        status: res.status,
        errorCode: (res.body as { error_code: number }).error_code,
      }).toEqual({
        path,
        status,
        errorCode,
      });
    };
    await expectError(`/subjects/${newSubject('ghost')}/versions`, 404, 40401);
    await expectError(`/subjects/${newSubject('ghost')}/versions/latest`, 404, 40401);
    await expectError(`/subjects/${subject}/versions/7`, 404, 40402);
    await expectError(`/subjects/${subject}/versions/abc`, 422, 42202);
    await expectError(`/subjects/${subject}/versions/0`, 422, 42202);
    await expectError('/schemas/ids/2147483647', 404, 40403);
    await expectError('/schemas/ids/not-a-number', 404, 40403);
    await expectError('/no/such/route', 404, 404);
  });

  test('a schema by id, with the subjects and versions that use it', async () => {
    const a = newSubject('by-id-a');
    const b = newSubject('by-id-b');
    const schema = recordSchema([{ name: 'sku', type: 'string' }], 'Sku');
    const id = await registeredId(a, schema);
    await registeredId(b, schema);

    const res = await api('GET', `/schemas/ids/${id}`);
    expect(res.status).toBe(200);
    // AVRO is the default type, so Confluent leaves schemaType out.
    expect(res.body).toEqual({ schema: JSON.stringify(JSON.parse(schema)) });
    expect((await api('GET', `/schemas/ids/${id}/versions`)).body).toEqual([
      { subject: a, version: 1 },
      { subject: b, version: 1 },
    ]);
    expect((await api('GET', `/schemas/ids/${id}/subjects`)).body).toEqual([a, b]);
    expect((await api('GET', '/schemas/types')).body).toEqual(['AVRO']);
    expect((await api('GET', '/')).body).toEqual({});
  });
});

describe('deletion', () => {
  test('a subject is soft-deleted first, then permanently; numbering never reuses a soft-deleted version', async () => {
    const subject = newSubject('delete-subject');
    await registeredId(subject, v1);
    await registeredId(subject, v2);

    const early = await api('DELETE', `/subjects/${subject}?permanent=true`);
    expect(early.status).toBe(404);
    expect((early.body as { error_code: number }).error_code).toBe(40405);

    expect((await api('DELETE', `/subjects/${subject}`)).body).toEqual([1, 2]);
    expect((await api('GET', '/subjects')).body).not.toContain(subject);
    expect((await api('GET', '/subjects?deleted=true')).body).toContain(subject);
    expect((await api('GET', `/subjects/${subject}/versions`)).status).toBe(404);
    expect((await api('GET', `/subjects/${subject}/versions?deleted=true`)).body).toEqual([1, 2]);
    const twice = await api('DELETE', `/subjects/${subject}`);
    expect((twice.body as { error_code: number }).error_code).toBe(40404);

    expect((await api('DELETE', `/subjects/${subject}?permanent=true`)).body).toEqual([1, 2]);
    expect((await api('GET', '/subjects?deleted=true')).body).not.toContain(subject);
    const gone = await api('DELETE', `/subjects/${subject}`);
    expect((gone.body as { error_code: number }).error_code).toBe(40401);
  });

  test('a version is soft-deleted first, then permanently', async () => {
    const subject = newSubject('delete-version');
    await registeredId(subject, v1);
    await registeredId(subject, v2);

    const early = await api('DELETE', `/subjects/${subject}/versions/2?permanent=true`);
    expect((early.body as { error_code: number }).error_code).toBe(40407);

    expect((await api('DELETE', `/subjects/${subject}/versions/2`)).body).toBe(2);
    expect((await api('GET', `/subjects/${subject}/versions`)).body).toEqual([1]);
    expect((await api('GET', `/subjects/${subject}/versions/latest`)).body).toMatchObject({ version: 1 });
    expect((await api('GET', `/subjects/${subject}/versions/2?deleted=true`)).body).toMatchObject({
      version: 2,
    });
    const again = await api('DELETE', `/subjects/${subject}/versions/2`);
    expect((again.body as { error_code: number }).error_code).toBe(40406);

    // Re-registering the deleted schema makes a new version with the same id.
    const id2 = await registeredId(subject, v2);
    expect((await api('GET', `/subjects/${subject}/versions`)).body).toEqual([1, 3]);
    expect((await api('GET', `/subjects/${subject}/versions/3`)).body).toMatchObject({ id: id2 });

    expect((await api('DELETE', `/subjects/${subject}/versions/2?permanent=true`)).body).toBe(2);
    expect((await api('GET', `/subjects/${subject}/versions?deleted=true`)).body).toEqual([1, 3]);
  });
});

describe('config and compatibility', () => {
  test('global and subject levels: get, put, delete, defaultToGlobal and invalid levels', async () => {
    const subject = newSubject('config');
    expect((await api('GET', '/config')).body).toEqual({ compatibilityLevel: 'BACKWARD' });

    const noConfig = await api('GET', `/config/${subject}`);
    expect(noConfig.status).toBe(404);
    expect((noConfig.body as { error_code: number }).error_code).toBe(40408);
    expect((await api('GET', `/config/${subject}?defaultToGlobal=true`)).body).toEqual({
      compatibilityLevel: 'BACKWARD',
    });

    expect((await api('PUT', `/config/${subject}`, { compatibility: 'FULL_TRANSITIVE' })).body).toEqual({
      compatibility: 'FULL_TRANSITIVE',
    });
    expect((await api('GET', `/config/${subject}`)).body).toEqual({ compatibilityLevel: 'FULL_TRANSITIVE' });

    const invalid = await api('PUT', `/config/${subject}`, { compatibility: 'SIDEWAYS' });
    expect(invalid.status).toBe(422);
    expect((invalid.body as { error_code: number }).error_code).toBe(42203);

    expect((await api('DELETE', `/config/${subject}`)).body).toEqual({
      compatibilityLevel: 'FULL_TRANSITIVE',
    });
    expect((await api('GET', `/config/${subject}`)).status).toBe(404);

    try {
      expect((await api('PUT', '/config', { compatibility: 'forward' })).body).toEqual({
        compatibility: 'FORWARD',
      });
      expect((await api('GET', '/config')).body).toEqual({ compatibilityLevel: 'FORWARD' });
      expect((await api('GET', `/config/${subject}?defaultToGlobal=true`)).body).toEqual({
        compatibilityLevel: 'FORWARD',
      });
    } finally {
      await api('DELETE', '/config');
    }
    expect((await api('GET', '/config')).body).toEqual({ compatibilityLevel: 'BACKWARD' });
    expect((await api('GET', '/mode')).body).toEqual({ mode: 'READWRITE' });
  });

  test('the subject level decides what registration accepts', async () => {
    const subject = newSubject('forward');
    await api('PUT', `/config/${subject}`, { compatibility: 'FORWARD' });
    await registeredId(subject, v2);
    // Dropping a field that had a default: old readers fill it in, so FORWARD accepts it.
    expect((await register(subject, v1)).status).toBe(200);
    // Adding a field without default is fine for old readers too (they skip it).
    const withQty = recordSchema([
      { name: 'order_id', type: 'string' },
      { name: 'qty', type: 'int' },
    ]);
    expect((await register(subject, withQty)).status).toBe(200);
    // Dropping a field that had no default leaves old readers without a value.
    expect((await register(subject, recordSchema([{ name: 'qty', type: 'int' }]))).status).toBe(409);
  });

  test('the compatibility endpoints check against one version or against the level', async () => {
    const subject = newSubject('compat');
    await registeredId(subject, v1);
    const breaking = { schema: recordSchema([{ name: 'order_id', type: 'int' }]) };

    const ok = await api('POST', `/compatibility/subjects/${subject}/versions/latest`, { schema: v2 });
    expect(ok.body).toEqual({ is_compatible: true });
    const bad = await api('POST', `/compatibility/subjects/${subject}/versions/1?verbose=true`, breaking);
    expect(bad.body).toEqual({ is_compatible: false, messages: [expect.stringContaining('version 1')] });
    expect((await api('POST', `/compatibility/subjects/${subject}/versions`, breaking)).body).toEqual({
      is_compatible: false,
    });
    expect((await api('POST', `/compatibility/subjects/${subject}/versions/9`, breaking)).status).toBe(404);
    expect(
      (await api('POST', `/compatibility/subjects/${newSubject('none')}/versions`, breaking)).body,
    ).toEqual({
      is_compatible: true,
    });
  });
});

describe('concurrency and durability', () => {
  test('20 concurrent registrations of one schema give one id and one version', async () => {
    const subject = newSubject('race');
    const schema = recordSchema([{ name: 'race_id', type: 'string' }], 'Race');
    const results = await Promise.all(Array.from({ length: 20 }, () => register(subject, schema)));
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(new Set(results.map((r) => (r.body as { id: number }).id)).size).toBe(1);
    expect((await api('GET', `/subjects/${subject}/versions`)).body).toEqual([1]);
  });

  test('concurrent different schemas get distinct ids and consecutive versions', async () => {
    const subject = newSubject('race-many');
    const schemas = Array.from({ length: 10 }, (_, i) =>
      recordSchema([
        { name: 'order_id', type: 'string' },
        { name: `extra_${i}`, type: 'int', default: i },
      ]),
    );
    const results = await Promise.all(schemas.map((schema) => register(subject, schema)));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(new Set(results.map((r) => (r.body as { id: number }).id)).size).toBe(10);
    expect((await api('GET', `/subjects/${subject}/versions`)).body).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  test('one new schema registered concurrently under many subjects gets one global id', async () => {
    const schema = recordSchema([{ name: 'shared_id', type: 'string' }], 'Shared');
    const subjects = Array.from({ length: 10 }, () => newSubject('shared'));
    const results = await Promise.all(subjects.map((subject) => register(subject, schema)));
    expect(new Set(results.map((r) => (r.body as { id: number }).id)).size).toBe(1);
  });

  test('data survives closing the registry and its pool and starting a new one', async () => {
    const subject = newSubject('durable');
    const first = await startRegistry({ databaseUrl, logger, port: 0, dbSchema });
    const schema = recordSchema([{ name: 'durable_id', type: 'string' }], 'Durable');
    const res = await fetch(`${first.url}/subjects/${subject}/versions`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ schema }),
    });
    const { id } = (await res.json()) as { id: number };
    await fetch(`${first.url}/config/${subject}`, {
      method: 'PUT',
      body: JSON.stringify({ compatibility: 'FULL' }),
    });
    await first.stop();

    const second = await startRegistry({ databaseUrl, logger, port: 0, dbSchema });
    try {
      const latest = await fetch(`${second.url}/subjects/${subject}/versions/latest`);
      expect(await latest.json()).toEqual({
        subject,
        version: 1,
        id,
        schema: JSON.stringify(JSON.parse(schema)),
      });
      expect(await (await fetch(`${second.url}/schemas/ids/${id}`)).json()).toEqual({
        schema: JSON.stringify(JSON.parse(schema)),
      });
      expect(await (await fetch(`${second.url}/config/${subject}`)).json()).toEqual({
        compatibilityLevel: 'FULL',
      });
    } finally {
      await second.stop();
    }
  });
});

describe('@kafkajs/confluent-schema-registry against this registry', () => {
  test('registers, encodes, decodes and finds the latest id', async () => {
    const client = new SchemaRegistry({ host: registry.url });
    const subject = newSubject('kafkajs');
    const schema = JSON.stringify({
      type: 'record',
      name: 'OrderPlaced',
      namespace: 'orderflow.test',
      fields: [
        { name: 'order_id', type: 'string' },
        { name: 'total_cents', type: 'long' },
        { name: 'note', type: ['null', 'string'], default: null },
      ],
    });

    const { id } = await client.register({ type: SchemaType.AVRO, schema }, { subject });
    expect(id).toBeGreaterThan(0);
    expect((await client.register({ type: SchemaType.AVRO, schema }, { subject })).id).toBe(id);
    expect(await client.getLatestSchemaId(subject)).toBe(id);
    expect(await client.getRegistryId(subject, 1)).toBe(id);
    // The client pins the subject's level on first registration.
    expect((await api('GET', `/config/${subject}`)).body).toEqual({ compatibilityLevel: 'BACKWARD' });

    const payload = { order_id: 'o-1', total_cents: 4250, note: 'fragile' };
    const encoded = await client.encode(id, payload);
    expect(encoded.readUInt8(0)).toBe(0);
    expect(encoded.readInt32BE(1)).toBe(id);

    // A fresh client has no cache, so decoding must fetch the schema by id from the server.
    const reader = new SchemaRegistry({ host: registry.url });
    expect(await reader.decode(encoded)).toEqual({ order_id: 'o-1', total_cents: 4250, note: 'fragile' });
    expect(await reader.getSchema(id)).toBeDefined();

    const breaking = JSON.stringify({
      type: 'record',
      name: 'OrderPlaced',
      namespace: 'orderflow.test',
      fields: [{ name: 'order_id', type: 'int' }],
    });
    await expect(client.register({ type: SchemaType.AVRO, schema: breaking }, { subject })).rejects.toThrow(
      /incompatible/,
    );
  });
});
