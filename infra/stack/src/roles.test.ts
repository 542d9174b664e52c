import { adminDatabaseUrl, databaseOwners, ownerDatabaseUrl, roleDatabaseUrl } from './roles';

const owners = databaseOwners(['orders', 'inventory']);
const orders = owners.find((o) => o.name === 'orders')!;
const registry = owners.find((o) => o.name === 'schema-registry')!;
const admin = 'postgres://postgres:secret@db.example:6543/orderflow?sslmode=require';

describe('database owners', () => {
  test('one role per service, named after its schema, and one for the schema registry', () => {
    expect(owners.map((o) => [o.name, o.role, o.schema])).toEqual([
      ['orders', 'orderflow_orders', 'orders'],
      ['inventory', 'orderflow_inventory', 'inventory'],
      ['schema-registry', 'orderflow_schema_registry', 'schema_registry'],
    ]);
  });

  test("a role URL keeps the admin's server, database and options but never its password", () => {
    expect(roleDatabaseUrl(admin, orders, {})).toBe(
      'postgres://orderflow_orders@db.example:6543/orderflow?sslmode=require',
    );
    expect(roleDatabaseUrl(admin, orders, { ORDERS_DB_PASSWORD: 'p@ss word' })).toBe(
      'postgres://orderflow_orders:p%40ss%20word@db.example:6543/orderflow?sslmode=require',
    );
    expect(roleDatabaseUrl(admin, registry, { SCHEMA_REGISTRY_DB_PASSWORD: 'r' })).toContain(
      '//orderflow_schema_registry:r@',
    );
  });

  test('<NAME>_DATABASE_URL wins; a private DB_SCHEMA keeps the admin URL; otherwise the role', () => {
    const own = 'postgres://me:pw@elsewhere/orders_db';
    expect(ownerDatabaseUrl(orders, admin, { ORDERS_DATABASE_URL: own, DB_SCHEMA: 'x' })).toEqual({
      url: own,
      access: 'override',
    });
    expect(ownerDatabaseUrl(orders, admin, { DB_SCHEMA: 'run1_orders' })).toEqual({
      url: admin,
      access: 'admin',
    });
    for (const env of [{}, { DB_SCHEMA: 'orders' }, { DB_SCHEMA: '', ORDERS_DATABASE_URL: '' }]) {
      expect(ownerDatabaseUrl(orders, admin, env).access).toBe('role');
    }
    expect(ownerDatabaseUrl(registry, admin, { SCHEMA_REGISTRY_DB_SCHEMA: 'other' }).access).toBe('admin');
    // The registry does not read DB_SCHEMA: a service's private schema must not switch it to the admin.
    expect(ownerDatabaseUrl(registry, admin, { DB_SCHEMA: 'run1_orders' }).access).toBe('role');
  });

  test('DATABASE_URL, empty meaning the local default', () => {
    expect(adminDatabaseUrl({ DATABASE_URL: '' })).toBe('postgres://postgres@127.0.0.1:5432/orderflow');
    expect(adminDatabaseUrl({ DATABASE_URL: admin })).toBe(admin);
  });
});
