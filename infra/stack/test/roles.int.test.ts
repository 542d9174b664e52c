// Per-service Postgres roles against the real server, in a scratch database of their own (roles are
// cluster-wide and the same ones the stack provisions; schemas and grants stay in the scratch database).
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { allTopicSpecs } from '@orderflow/contracts';
import { createKafka, createLogger, createPrefixedTopics, migrate, uniqueName } from '@orderflow/runtime';
import {
  provisionDatabaseRoles,
  roleDatabaseUrl,
  serviceReady,
  servicesDown,
  servicesUp,
  stackDatabaseOwners,
  stackEnv,
  stackPaths,
} from '../src';

const env = stackEnv();
const owners = stackDatabaseOwners();
const database = uniqueName('roles');
const scratchUrl = (() => {
  const url = new URL(env.databaseUrl);
  url.pathname = `/${database}`;
  return url.toString();
})();

async function connect(url: string): Promise<Client> {
  const client = new Client({ connectionString: url });
  await client.connect();
  return client;
}

async function withAdmin<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = await connect(url);
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The SQLSTATE a statement fails with, or 'ok'. */
async function outcome(client: Client, sql: string): Promise<string> {
  try {
    await client.query(sql);
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

beforeAll(async () => {
  await withAdmin(env.databaseUrl, (admin) => admin.query(`CREATE DATABASE ${database}`));
  // What an older version left: the admin created the orders schema and its objects.
  await withAdmin(scratchUrl, (admin) =>
    admin.query(`
      CREATE SCHEMA orders;
      CREATE TYPE orders.state AS ENUM ('PLACED', 'FINISHED');
      CREATE TABLE orders.legacy (id serial PRIMARY KEY, state orders.state NOT NULL);
      CREATE VIEW orders.legacy_view AS SELECT id FROM orders.legacy;
      CREATE FUNCTION orders.legacy_count() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM orders.legacy';
      GRANT USAGE ON SCHEMA orders TO PUBLIC;
    `),
  );
});

afterAll(async () => {
  await withAdmin(env.databaseUrl, (admin) =>
    admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`),
  );
});

describe('provisioning', () => {
  test('creates every role and schema, hands over what the admin created, and a second run changes nothing', async () => {
    const first = await provisionDatabaseRoles(scratchUrl, owners, {});
    const orders = first.find((r) => r.role === 'orderflow_orders');
    expect(orders?.changes).toEqual(
      expect.arrayContaining([
        'schema handed over from postgres',
        '4 object(s) handed over',
        "revoked PUBLIC's access to the schema",
      ]),
    );
    for (const result of first.filter((r) => r.role !== 'orderflow_orders')) {
      expect([result.role, result.changes]).toEqual([
        result.role,
        expect.arrayContaining(['created schema']),
      ]);
    }

    const second = await provisionDatabaseRoles(scratchUrl, owners, {});
    expect(second.filter((r) => r.changes.length > 0)).toEqual([]);

    const owned = await withAdmin(scratchUrl, async (admin) => {
      const { rows } = await admin.query<{ schema: string; owner: string; objects: string[] }>(
        `SELECT n.nspname AS schema, pg_get_userbyid(n.nspowner) AS owner,
                array(SELECT DISTINCT pg_get_userbyid(c.relowner)::text FROM pg_class c WHERE c.relnamespace = n.oid
                      UNION SELECT DISTINCT pg_get_userbyid(p.proowner)::text FROM pg_proc p WHERE p.pronamespace = n.oid
                      UNION SELECT DISTINCT pg_get_userbyid(t.typowner)::text FROM pg_type t WHERE t.typnamespace = n.oid)
                  AS objects
           FROM pg_namespace n WHERE n.nspname = ANY($1) ORDER BY 1`,
        [owners.map((o) => o.schema)],
      );
      return rows;
    });
    expect(owned).toEqual(
      owners
        .map((o) => ({
          schema: o.schema,
          owner: o.role,
          objects: o.schema === 'orders' ? [o.role] : [],
        }))
        .sort((a, b) => a.schema.localeCompare(b.schema)),
    );
  });
});

describe("a service's role", () => {
  const clients = new Map<string, Client>();

  beforeAll(async () => {
    await provisionDatabaseRoles(scratchUrl, owners, {});
    for (const owner of owners) {
      const client = await connect(roleDatabaseUrl(scratchUrl, owner, {}));
      clients.set(owner.role, client);
      // Something of its own that the others will try to reach.
      await client.query(`CREATE TABLE IF NOT EXISTS ${owner.schema}.probe (id int PRIMARY KEY)`);
      await client.query(`INSERT INTO ${owner.schema}.probe VALUES (1) ON CONFLICT DO NOTHING`);
    }
  });

  afterAll(async () => {
    await Promise.all([...clients.values()].map((client) => client.end()));
  });

  test('works in its own schema, including on objects handed over from the admin', async () => {
    for (const owner of owners) {
      const client = clients.get(owner.role)!;
      const { rows } = await client.query<{ user: string; n: number }>(
        `SELECT current_user AS user, count(*)::int AS n FROM ${owner.schema}.probe`,
      );
      expect(rows).toEqual([{ user: owner.role, n: 1 }]);
      expect(await outcome(client, `CREATE INDEX IF NOT EXISTS probe_id ON ${owner.schema}.probe (id)`)).toBe(
        'ok',
      );
    }
    const orders = clients.get('orderflow_orders')!;
    await orders.query(`INSERT INTO orders.legacy (state) VALUES ('PLACED')`);
    const { rows } = await orders.query<{ n: string }>('SELECT orders.legacy_count() AS n');
    expect(Number(rows[0]?.n)).toBeGreaterThanOrEqual(1);
    expect(await outcome(orders, 'SELECT * FROM orders.legacy_view')).toBe('ok');
  });

  test("cannot read, write or create anything in another owner's schema (every pair)", async () => {
    const denied: string[] = [];
    const allowed: string[] = [];
    for (const owner of owners) {
      const client = clients.get(owner.role)!;
      for (const other of owners.filter((o) => o !== owner)) {
        for (const sql of [
          `SELECT * FROM ${other.schema}.probe`,
          `INSERT INTO ${other.schema}.probe VALUES (2)`,
          `CREATE TABLE ${other.schema}.intruder (id int)`,
        ]) {
          const code = await outcome(client, sql);
          (code === '42501' ? denied : allowed).push(`${owner.role}: ${sql} -> ${code}`);
        }
      }
    }
    expect(allowed).toEqual([]);
    expect(denied).toHaveLength(owners.length * (owners.length - 1) * 3);
  });

  test("running a service's migrations on another's schema fails, naming the role and the fix", async () => {
    const orders = owners.find((o) => o.schema === 'orders')!;
    await expect(
      migrate({ databaseUrl: roleDatabaseUrl(scratchUrl, orders, {}), schema: 'inventory' }),
    ).rejects.toThrow(
      'orderflow_orders may not use schema inventory (it needs USAGE and CREATE there); ' +
        'provision the roles as the admin: node infra/stack/dist/cli.js roles',
    );
  });

  test('cannot create in public, create schemas or temporary tables', async () => {
    const outcomes = [];
    for (const owner of owners) {
      const client = clients.get(owner.role)!;
      outcomes.push({
        role: owner.role,
        public: await outcome(client, 'CREATE TABLE public.intruder (id int)'),
        schema: await outcome(client, `CREATE SCHEMA ${owner.schema}_extra`),
        temp: await outcome(client, 'CREATE TEMP TABLE scratch (id int)'),
      });
    }
    expect(outcomes).toEqual(
      owners.map((o) => ({ role: o.role, public: '42501', schema: '42501', temp: '42501' })),
    );
  });
});

describe('services up with roles', () => {
  const paths = { ...stackPaths(), state: fs.mkdtempSync(path.join(os.tmpdir(), 'orderflow-roles-')) };
  const prefix = `${uniqueName('roles')}.`;
  const kafka = createKafka(
    { ...env.kafkaSecurity, KAFKA_BROKERS: env.brokers },
    'roles-test',
    createLogger({ service: 'roles-test', level: 'silent' }),
  );
  const previousPort = process.env.INVENTORY_PORT;

  beforeAll(async () => {
    await createPrefixedTopics(kafka, prefix, allTopicSpecs());
  });

  afterAll(async () => {
    await servicesDown(paths, () => undefined);
    if (previousPort === undefined) delete process.env.INVENTORY_PORT;
    else process.env.INVENTORY_PORT = previousPort;
    const admin = kafka.admin();
    await admin.connect();
    await admin
      .deleteTopics({ topics: allTopicSpecs().map((spec) => `${prefix}${spec.topic}`) })
      .catch(() => undefined);
    await admin.disconnect();
    fs.rmSync(paths.state, { recursive: true, force: true });
  });

  test('inventory runs its migrations and serves as orderflow_inventory, owning what it created', async () => {
    // After a run as the admin (an older version, or the service started by hand): a table the role
    // does not own yet, which services up must hand over before the service starts.
    await withAdmin(scratchUrl, (admin) => admin.query('CREATE TABLE inventory.left_by_admin (id int)'));
    process.env.INVENTORY_PORT = String(await freePort());
    const said: string[] = [];
    await servicesUp(paths, (line) => said.push(line), {
      only: ['inventory'],
      env: { DATABASE_URL: scratchUrl, TOPIC_PREFIX: prefix, LOG_LEVEL: 'warn' },
      timeoutMs: 60_000,
    });
    expect(said.join('\n')).toMatch(/started inventory \(.*as orderflow_inventory/);
    expect(await serviceReady(Number(process.env.INVENTORY_PORT))).toMatchObject({ ready: true });
    const stock = await fetch(`http://127.0.0.1:${process.env.INVENTORY_PORT}/stock`);
    expect(stock.status).toBe(200);

    await withAdmin(scratchUrl, async (admin) => {
      const sessions = await admin.query<{ user: string }>(
        `SELECT DISTINCT usename AS user FROM pg_stat_activity
          WHERE datname = current_database() AND application_name = 'inventory'`,
      );
      expect(sessions.rows).toEqual([{ user: 'orderflow_inventory' }]);
      const tables = await admin.query<{ name: string; owner: string }>(
        `SELECT tablename AS name, tableowner AS owner FROM pg_tables WHERE schemaname = 'inventory'`,
      );
      // Its migrations ran (runtime inbox/outbox and its own tables), all owned by its role.
      expect(tables.rows.map((t) => t.name)).toEqual(
        expect.arrayContaining(['left_by_admin', 'pgmigrations', 'runtime_migrations', 'outbox', 'inbox']),
      );
      expect(tables.rows.filter((t) => t.owner !== 'orderflow_inventory')).toEqual([]);
    });
  }, 120_000);
});
