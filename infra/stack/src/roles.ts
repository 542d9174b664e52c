import { Client, type ClientBase } from 'pg';
import { StackError } from './kafka';

/**
 * One process that keeps its data in Postgres: it logs in as `role` and may use `schema` only. The
 * services own the schema named after them; the local schema registry owns `schema_registry`.
 */
export interface DatabaseOwner {
  /** As the stack names the process: a service name, or `schema-registry`. */
  name: string;
  role: string;
  schema: string;
  /** The role's password, for servers that do not trust local connections (`<NAME>_DB_PASSWORD`). */
  password(env: NodeJS.ProcessEnv): string | undefined;
  /** A complete connection URL that replaces the derived one (`<NAME>_DATABASE_URL`). */
  urlOverride(env: NodeJS.ProcessEnv): string | undefined;
  /** The schema the process will use with this environment (its DB_SCHEMA setting, or the default). */
  configuredSchema(env: NodeJS.ProcessEnv): string;
}

export const REGISTRY_SCHEMA = 'schema_registry';

/** DATABASE_URL: the admin connection the stack provisions with (and the default of every process). */
export function adminDatabaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/orderflow';
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** The services' owners, then the registry's. Role names are `orderflow_<schema>`. */
export function databaseOwners(serviceNames: readonly string[]): DatabaseOwner[] {
  const owners: DatabaseOwner[] = serviceNames.map((name) => ({
    name,
    role: `orderflow_${name}`,
    schema: name,
    // Empty means unset, as for every stack variable.
    password: (env) => env[`${name.toUpperCase()}_DB_PASSWORD`] || undefined,
    urlOverride: (env) => env[`${name.toUpperCase()}_DATABASE_URL`] || undefined,
    configuredSchema: (env) => env.DB_SCHEMA || name,
  }));
  owners.push({
    name: 'schema-registry',
    role: `orderflow_${REGISTRY_SCHEMA}`,
    schema: REGISTRY_SCHEMA,
    password: (env) => env.SCHEMA_REGISTRY_DB_PASSWORD || undefined,
    urlOverride: (env) => env.SCHEMA_REGISTRY_DATABASE_URL || undefined,
    configuredSchema: (env) => env.SCHEMA_REGISTRY_DB_SCHEMA || REGISTRY_SCHEMA,
  });
  for (const owner of owners) {
    if (!IDENTIFIER.test(owner.role) || !IDENTIFIER.test(owner.schema))
      throw new Error(`not a plain Postgres identifier: ${owner.role} / ${owner.schema}`);
  }
  return owners;
}

/** `databaseUrl` with the user replaced by the owner's role, and its password (or none). */
export function roleDatabaseUrl(databaseUrl: string, owner: DatabaseOwner, env: NodeJS.ProcessEnv): string {
  const url = new URL(databaseUrl);
  url.username = owner.role;
  // Never hand the admin's password on to a service.
  url.password = owner.password(env) ?? '';
  return url.toString();
}

export type DatabaseAccess = 'override' | 'role' | 'admin';

/**
 * The URL a process gets: its `<NAME>_DATABASE_URL` if set; else its own role on the admin URL's server
 * and database; but the admin URL itself when it runs on a schema other than its own (an isolated test or
 * demo run with a private DB_SCHEMA), since its role can use nothing else and cannot create schemas.
 */
export function ownerDatabaseUrl(
  owner: DatabaseOwner,
  adminUrl: string,
  env: NodeJS.ProcessEnv,
): { url: string; access: DatabaseAccess } {
  const override = owner.urlOverride(env);
  if (override) return { url: override, access: 'override' };
  if (owner.configuredSchema(env) !== owner.schema) return { url: adminUrl, access: 'admin' };
  return { url: roleDatabaseUrl(adminUrl, owner, env), access: 'role' };
}

export interface RoleProvisioning {
  role: string;
  schema: string;
  /** What this run changed; empty when everything was already in place. */
  changes: string[];
}

const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;

// Errors that mean another provisioning run (on this or another database: roles are cluster-wide) got
// there first; running again sees its result.
const RACES = new Set(['40001', '40P01', '23505', '42710', 'XX000']);

/**
 * Creates each owner's login role and schema and takes from everybody else what Postgres grants by
 * default, so that a role can use its own schema and nothing else: no CREATE on the database (no new
 * schemas), none on `public`, no TEMP; CONNECT only for the owners. Schemas and objects an earlier
 * version created as the admin are handed to their role. Idempotent: a second run changes nothing.
 * Needs a superuser (or an equivalent admin) connection.
 */
export async function provisionDatabaseRoles(
  adminUrl: string,
  owners: readonly DatabaseOwner[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<RoleProvisioning[]> {
  const client = new Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  const where = `${new URL(adminUrl).host}${new URL(adminUrl).pathname}`;
  try {
    await client.connect();
  } catch (error) {
    throw new StackError(`PostgreSQL is not reachable at ${where} (${(error as Error).message})`);
  }
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await client.query('BEGIN');
        const result = await provisionInTransaction(client, owners, env);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        const code = (error as { code?: string }).code ?? '';
        if (attempt < 3 && RACES.has(code)) continue;
        const user = decodeURIComponent(new URL(adminUrl).username) || '(default user)';
        throw new StackError(
          `provisioning the services' database roles on ${where} as ${user} failed: ` +
            `${(error as Error).message}` +
            (code === '42501' ? ' (this needs a superuser; set DATABASE_URL to one)' : ''),
        );
      }
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function provisionInTransaction(
  client: ClientBase,
  owners: readonly DatabaseOwner[],
  env: NodeJS.ProcessEnv,
): Promise<RoleProvisioning[]> {
  // Concurrent runs on one database queue here; a running service's lock makes us wait, not hang.
  await client.query(`SELECT pg_advisory_xact_lock(hashtext('orderflow:database-roles'))`);
  await client.query(`SET LOCAL lock_timeout = '15s'`);
  const database = (await client.query<{ db: string }>('SELECT current_database() AS db')).rows[0]!.db;

  // PUBLIC (every role) gets CONNECT and TEMP on a new database, and CREATE on `public` before PG 15.
  if (await publicHolds(client, 'database', database)) {
    await client.query(`REVOKE ALL ON DATABASE ${ident(database)} FROM PUBLIC`);
  }
  if (await publicHolds(client, 'public', 'public')) {
    await client.query('REVOKE CREATE ON SCHEMA public FROM PUBLIC');
  }

  const results: RoleProvisioning[] = [];
  for (const owner of owners) {
    const changes: string[] = [];
    const role = ident(owner.role);
    const schema = ident(owner.schema);

    const existing = await client.query<{ plain: boolean }>(
      `SELECT rolcanlogin AND NOT (rolsuper OR rolcreatedb OR rolcreaterole OR rolreplication OR rolbypassrls)
         AS plain FROM pg_roles WHERE rolname = $1`,
      [owner.role],
    );
    if (existing.rowCount === 0) {
      await client.query(`CREATE ROLE ${role} LOGIN`);
      changes.push('created role');
    } else if (!existing.rows[0]!.plain) {
      await client.query(
        `ALTER ROLE ${role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS`,
      );
      changes.push('reset role attributes to LOGIN only');
    }
    const password = owner.password(env);
    if (password !== undefined) {
      await client.query(`ALTER ROLE ${role} PASSWORD ${client.escapeLiteral(password)}`);
    }

    const on = await client.query<{ connect: boolean; create: boolean; temp: boolean; public: boolean }>(
      `SELECT has_database_privilege($1, current_database(), 'CONNECT') AS connect,
              has_database_privilege($1, current_database(), 'CREATE') AS create,
              has_database_privilege($1, current_database(), 'TEMP') AS temp,
              has_schema_privilege($1, 'public', 'CREATE') AS public`,
      [owner.role],
    );
    const privileges = on.rows[0]!;
    if (!privileges.connect) {
      await client.query(`GRANT CONNECT ON DATABASE ${ident(database)} TO ${role}`);
      changes.push('granted CONNECT');
    }
    if (privileges.create || privileges.temp) {
      await client.query(`REVOKE CREATE, TEMP ON DATABASE ${ident(database)} FROM ${role}`);
      changes.push('revoked CREATE/TEMP on the database');
    }
    if (privileges.public) {
      await client.query(`REVOKE CREATE ON SCHEMA public FROM ${role}`);
      changes.push('revoked CREATE on public');
    }

    const current = await client.query<{ owner: string }>(
      'SELECT pg_get_userbyid(nspowner) AS owner FROM pg_namespace WHERE nspname = $1',
      [owner.schema],
    );
    if (current.rowCount === 0) {
      await client.query(`CREATE SCHEMA ${schema} AUTHORIZATION ${role}`);
      changes.push('created schema');
    } else if (current.rows[0]!.owner !== owner.role) {
      await client.query(`ALTER SCHEMA ${schema} OWNER TO ${role}`);
      changes.push(`schema handed over from ${current.rows[0]!.owner}`);
    }
    const handed = await handOverObjects(client, owner);
    if (handed > 0) changes.push(`${handed} object(s) handed over`);

    // Nobody else may even look into the schema: not PUBLIC, not another service's role.
    const others = await client.query<{ grantee: string }>(
      `SELECT DISTINCT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END AS grantee
         FROM pg_namespace n, aclexplode(n.nspacl) a
        WHERE n.nspname = $1 AND a.grantee <> n.nspowner`,
      [owner.schema],
    );
    for (const { grantee } of others.rows) {
      await client.query(
        `REVOKE ALL ON SCHEMA ${schema} FROM ${grantee === 'PUBLIC' ? 'PUBLIC' : ident(grantee)}`,
      );
      changes.push(`revoked ${grantee}'s access to the schema`);
    }
    results.push({ role: owner.role, schema: owner.schema, changes });
  }
  return results;
}

async function publicHolds(client: ClientBase, on: 'database' | 'public', name: string): Promise<boolean> {
  const sql =
    on === 'database'
      ? `SELECT 1 FROM pg_database d, aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a
          WHERE d.datname = $1 AND a.grantee = 0`
      : `SELECT 1 FROM pg_namespace n, aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a
          WHERE n.nspname = $1 AND a.grantee = 0 AND a.privilege_type = 'CREATE'`;
  return ((await client.query(sql, [name])).rowCount ?? 0) > 0;
}

const ALTER_RELATION: Record<string, string> = {
  r: 'TABLE',
  p: 'TABLE',
  v: 'VIEW',
  m: 'MATERIALIZED VIEW',
  f: 'FOREIGN TABLE',
  S: 'SEQUENCE',
};

/**
 * Gives the role everything in its schema that someone else owns (object by object: REASSIGN OWNED
 * would take the admin's objects everywhere). Sequences behind a serial or identity column follow their
 * table; indexes and row types follow theirs.
 */
async function handOverObjects(client: ClientBase, owner: DatabaseOwner): Promise<number> {
  const role = ident(owner.role);
  let count = 0;
  const relations = await client.query<{ kind: string; name: string }>(
    `SELECT c.relkind AS kind, c.relname AS name
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
        AND c.relowner <> (SELECT oid FROM pg_roles WHERE rolname = $2)
        AND NOT EXISTS (
          SELECT 1 FROM pg_depend d
           WHERE c.relkind = 'S' AND d.classid = 'pg_class'::regclass AND d.objid = c.oid
             AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i'))
      ORDER BY c.relkind = 'S', c.relname`,
    [owner.schema, owner.role],
  );
  for (const { kind, name } of relations.rows) {
    await client.query(
      `ALTER ${ALTER_RELATION[kind]!} ${ident(owner.schema)}.${ident(name)} OWNER TO ${role}`,
    );
    count++;
  }
  const routines = await client.query<{ signature: string }>(
    `SELECT p.oid::regprocedure::text AS signature
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname = $1 AND p.proowner <> (SELECT oid FROM pg_roles WHERE rolname = $2)`,
    [owner.schema, owner.role],
  );
  for (const { signature } of routines.rows) {
    await client.query(`ALTER ROUTINE ${signature} OWNER TO ${role}`);
    count++;
  }
  // Enums, domains, ranges and free-standing composite types; array types follow their element.
  const types = await client.query<{ kind: string; name: string }>(
    `SELECT t.typtype AS kind, t.typname AS name
       FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE n.nspname = $1 AND t.typowner <> (SELECT oid FROM pg_roles WHERE rolname = $2)
        AND t.typtype IN ('e', 'd', 'r', 'c')
        AND (t.typtype <> 'c' OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')`,
    [owner.schema, owner.role],
  );
  for (const { kind, name } of types.rows) {
    await client.query(
      `ALTER ${kind === 'd' ? 'DOMAIN' : 'TYPE'} ${ident(owner.schema)}.${ident(name)} OWNER TO ${role}`,
    );
    count++;
  }
  return count;
}
