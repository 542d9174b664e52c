import type { Pool, PoolClient } from 'pg';

export type Queryable = Pick<Pool | PoolClient, 'query'>;

export interface StoredSchema {
  readonly id: number;
  readonly schema: string;
  readonly schemaType: string;
}

export interface SubjectVersionRow {
  readonly subject: string;
  readonly version: number;
  readonly schemaId: number;
  readonly schema: string;
  readonly schemaType: string;
  readonly deleted: boolean;
}

interface SubjectVersionRecord {
  subject: string;
  version: number;
  schema_id: number;
  schema: string;
  schema_type: string;
  deleted: boolean;
}

const GLOBAL = '';
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

const toRow = (r: SubjectVersionRecord): SubjectVersionRow => ({
  subject: r.subject,
  version: r.version,
  schemaId: r.schema_id,
  schema: r.schema,
  schemaType: r.schema_type,
  deleted: r.deleted,
});

/**
 * Plain SQL over three tables in one Postgres schema. Methods take the connection to use so the service
 * can run several of them inside one transaction.
 */
export class RegistryRepository {
  private readonly s: string;

  constructor(
    readonly pool: Pool,
    readonly dbSchema: string,
  ) {
    // The schema name is interpolated into SQL, so it must be a plain identifier.
    if (!IDENTIFIER.test(dbSchema))
      throw new Error(`invalid Postgres schema name: ${JSON.stringify(dbSchema)}`);
    this.s = `"${dbSchema}"`;
  }

  async ensureTables(): Promise<void> {
    await this.transaction(async (client) => {
      // Concurrent CREATE ... IF NOT EXISTS can still collide in the catalog; serialise first starts.
      await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`${this.dbSchema}/ddl`]);
      // Its own role has no CREATE on the database, which CREATE SCHEMA IF NOT EXISTS checks even when the
      // schema (provisioned by the stack) exists; so only a missing schema is created.
      const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [this.dbSchema]);
      if (exists.rowCount === 0) await client.query(`CREATE SCHEMA ${this.s}`);
      await client.query(`
        CREATE TABLE IF NOT EXISTS ${this.s}.schemas (
          id serial PRIMARY KEY,
          fingerprint text NOT NULL UNIQUE,
          canonical text NOT NULL,
          schema text NOT NULL,
          schema_type text NOT NULL DEFAULT 'AVRO',
          created_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE TABLE IF NOT EXISTS ${this.s}.subject_versions (
          subject text NOT NULL,
          version integer NOT NULL CHECK (version > 0),
          schema_id integer NOT NULL REFERENCES ${this.s}.schemas (id),
          deleted boolean NOT NULL DEFAULT false,
          created_at timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (subject, version)
        );
        CREATE INDEX IF NOT EXISTS subject_versions_schema_id_idx ON ${this.s}.subject_versions (schema_id);
        CREATE TABLE IF NOT EXISTS ${this.s}.config (
          subject text PRIMARY KEY,
          compatibility text NOT NULL
        );
      `);
    });
  }

  async transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /** Serialises writers of one subject until the surrounding transaction ends. */
  async lockSubject(client: PoolClient, subject: string): Promise<void> {
    await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
      `${this.dbSchema}/subject/${subject}`,
    ]);
  }

  async findSchemaIdByFingerprint(q: Queryable, fingerprint: string): Promise<number | undefined> {
    const { rows } = await q.query<{ id: number }>(
      `SELECT id FROM ${this.s}.schemas WHERE fingerprint = $1`,
      [fingerprint],
    );
    return rows[0]?.id;
  }

  /** Inserts the schema unless an equal one exists (possibly committed meanwhile); returns its id. */
  async insertSchema(
    q: Queryable,
    input: { fingerprint: string; canonical: string; schema: string; schemaType: string },
  ): Promise<number> {
    const inserted = await q.query<{ id: number }>(
      `INSERT INTO ${this.s}.schemas (fingerprint, canonical, schema, schema_type) VALUES ($1, $2, $3, $4)
       ON CONFLICT (fingerprint) DO NOTHING RETURNING id`,
      [input.fingerprint, input.canonical, input.schema, input.schemaType],
    );
    const id = inserted.rows[0]?.id ?? (await this.findSchemaIdByFingerprint(q, input.fingerprint));
    if (id === undefined) throw new Error('schema vanished between insert and select');
    return id;
  }

  /** A schema counts as existing while any subject version, even a soft-deleted one, refers to it. */
  async findSchemaById(q: Queryable, id: number): Promise<StoredSchema | undefined> {
    const { rows } = await q.query<{ id: number; schema: string; schema_type: string }>(
      `SELECT s.id, s.schema, s.schema_type FROM ${this.s}.schemas s
       WHERE s.id = $1 AND EXISTS (SELECT 1 FROM ${this.s}.subject_versions v WHERE v.schema_id = s.id)`,
      [id],
    );
    const row = rows[0];
    return row && { id: row.id, schema: row.schema, schemaType: row.schema_type };
  }

  /** All versions of a subject, oldest first. */
  async listVersions(q: Queryable, subject: string, includeDeleted: boolean): Promise<SubjectVersionRow[]> {
    const { rows } = await q.query<SubjectVersionRecord>(
      `SELECT v.subject, v.version, v.schema_id, v.deleted, s.schema, s.schema_type
       FROM ${this.s}.subject_versions v JOIN ${this.s}.schemas s ON s.id = v.schema_id
       WHERE v.subject = $1 AND ($2 OR NOT v.deleted)
       ORDER BY v.version`,
      [subject, includeDeleted],
    );
    return rows.map(toRow);
  }

  async listVersionsBySchemaId(
    q: Queryable,
    schemaId: number,
    includeDeleted: boolean,
  ): Promise<SubjectVersionRow[]> {
    const { rows } = await q.query<SubjectVersionRecord>(
      `SELECT v.subject, v.version, v.schema_id, v.deleted, s.schema, s.schema_type
       FROM ${this.s}.subject_versions v JOIN ${this.s}.schemas s ON s.id = v.schema_id
       WHERE v.schema_id = $1 AND ($2 OR NOT v.deleted)
       ORDER BY v.subject, v.version`,
      [schemaId, includeDeleted],
    );
    return rows.map(toRow);
  }

  async listAllVersions(
    q: Queryable,
    filter: { subjectPrefix: string; includeDeleted: boolean },
  ): Promise<SubjectVersionRow[]> {
    const { rows } = await q.query<SubjectVersionRecord>(
      `SELECT v.subject, v.version, v.schema_id, v.deleted, s.schema, s.schema_type
       FROM ${this.s}.subject_versions v JOIN ${this.s}.schemas s ON s.id = v.schema_id
       WHERE starts_with(v.subject, $1) AND ($2 OR NOT v.deleted)
       ORDER BY v.subject, v.version`,
      [filter.subjectPrefix, filter.includeDeleted],
    );
    return rows.map(toRow);
  }

  async listSubjects(
    q: Queryable,
    filter: { subjectPrefix: string; includeDeleted: boolean },
  ): Promise<string[]> {
    const { rows } = await q.query<{ subject: string }>(
      `SELECT DISTINCT subject FROM ${this.s}.subject_versions
       WHERE starts_with(subject, $1) AND ($2 OR NOT deleted) ORDER BY subject`,
      [filter.subjectPrefix, filter.includeDeleted],
    );
    return rows.map((r) => r.subject);
  }

  /** Versions only grow: soft-deleted versions keep their numbers, like Confluent. */
  async nextVersion(q: Queryable, subject: string): Promise<number> {
    const { rows } = await q.query<{ next: number }>(
      `SELECT COALESCE(MAX(version), 0) + 1 AS next FROM ${this.s}.subject_versions WHERE subject = $1`,
      [subject],
    );
    return rows[0]?.next ?? 1;
  }

  async insertVersion(q: Queryable, subject: string, version: number, schemaId: number): Promise<void> {
    await q.query(
      `INSERT INTO ${this.s}.subject_versions (subject, version, schema_id) VALUES ($1, $2, $3)`,
      [subject, version, schemaId],
    );
  }

  async softDeleteVersions(q: Queryable, subject: string, versions: readonly number[]): Promise<void> {
    await q.query(
      `UPDATE ${this.s}.subject_versions SET deleted = true WHERE subject = $1 AND version = ANY($2::int[])`,
      [subject, versions],
    );
  }

  async hardDeleteVersions(q: Queryable, subject: string, versions: readonly number[]): Promise<void> {
    await q.query(`DELETE FROM ${this.s}.subject_versions WHERE subject = $1 AND version = ANY($2::int[])`, [
      subject,
      versions,
    ]);
  }

  /** `subject` undefined reads the global level. */
  async getCompatibility(q: Queryable, subject?: string): Promise<string | undefined> {
    const { rows } = await q.query<{ compatibility: string }>(
      `SELECT compatibility FROM ${this.s}.config WHERE subject = $1`,
      [subject ?? GLOBAL],
    );
    return rows[0]?.compatibility;
  }

  async setCompatibility(q: Queryable, subject: string | undefined, compatibility: string): Promise<void> {
    await q.query(
      `INSERT INTO ${this.s}.config (subject, compatibility) VALUES ($1, $2)
       ON CONFLICT (subject) DO UPDATE SET compatibility = EXCLUDED.compatibility`,
      [subject ?? GLOBAL, compatibility],
    );
  }

  /** Returns the removed level, if there was one. */
  async deleteCompatibility(q: Queryable, subject?: string): Promise<string | undefined> {
    const { rows } = await q.query<{ compatibility: string }>(
      `DELETE FROM ${this.s}.config WHERE subject = $1 RETURNING compatibility`,
      [subject ?? GLOBAL],
    );
    return rows[0]?.compatibility;
  }
}
