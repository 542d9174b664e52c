import type { Logger } from 'pino';
import { parseAvroSchema, type ParsedAvroSchema } from './domain/avro-schema';
import {
  checkCompatibility,
  DEFAULT_COMPATIBILITY_LEVEL,
  nonTransitive,
  parseCompatibilityLevel,
  type CompatibilityLevel,
  type CompatibilityResult,
} from './domain/compatibility';
import { registryErrors } from './domain/registry.errors';
import type { Queryable, RegistryRepository, SubjectVersionRow } from './db/registry.repository';

export interface SchemaInput {
  readonly schema: string;
  readonly schemaType?: string | undefined;
  readonly references?: readonly unknown[] | undefined;
}

/** `latest` (or -1) or a concrete version number, as parsed from a URL segment. */
export type VersionSelector = number | 'latest';

export interface SubjectVersionView {
  subject: string;
  id: number;
  version: number;
  schema: string;
  schemaType?: string;
}

const AVRO = 'AVRO';
const MAX_VERSION = 2 ** 31 - 1;

export function parseVersion(raw: string): VersionSelector {
  if (raw === 'latest' || raw === '-1') return 'latest';
  if (!/^\d+$/.test(raw)) throw registryErrors.invalidVersion(raw);
  const version = Number(raw);
  if (version < 1 || version > MAX_VERSION) throw registryErrors.invalidVersion(raw);
  return version;
}

function view(row: SubjectVersionRow): SubjectVersionView {
  return {
    subject: row.subject,
    version: row.version,
    id: row.schemaId,
    ...(row.schemaType === AVRO ? {} : { schemaType: row.schemaType }),
    schema: row.schema,
  };
}

function pick(rows: readonly SubjectVersionRow[], selector: VersionSelector): SubjectVersionRow | undefined {
  return selector === 'latest' ? rows.at(-1) : rows.find((r) => r.version === selector);
}

/** The registry's use cases; routes translate HTTP to these calls and back. */
export class RegistryService {
  constructor(
    private readonly repo: RegistryRepository,
    private readonly logger: Logger,
  ) {}

  async register(subject: string, input: SchemaInput): Promise<{ id: number }> {
    const parsed = this.parse(input);
    const outcome = await this.repo.transaction(async (tx) => {
      await this.repo.lockSubject(tx, subject);
      const live = await this.repo.listVersions(tx, subject, false);
      const knownId = await this.repo.findSchemaIdByFingerprint(tx, parsed.fingerprint);
      const same = knownId === undefined ? undefined : live.find((row) => row.schemaId === knownId);
      if (same) return { id: same.schemaId, version: same.version, created: false };

      const level = await this.effectiveLevel(tx, subject);
      const result = this.check(parsed, live, level);
      if (!result.compatible) throw registryErrors.incompatibleSchema(subject, result.messages);

      const id =
        knownId ??
        (await this.repo.insertSchema(tx, {
          fingerprint: parsed.fingerprint,
          canonical: parsed.canonical,
          schema: parsed.text,
          schemaType: AVRO,
        }));
      const version = await this.repo.nextVersion(tx, subject);
      await this.repo.insertVersion(tx, subject, version, id);
      return { id, version, created: true };
    });
    if (outcome.created)
      this.logger.info({ subject, id: outcome.id, version: outcome.version }, 'schema registered');
    return { id: outcome.id };
  }

  async lookup(subject: string, input: SchemaInput, includeDeleted: boolean): Promise<SubjectVersionView> {
    const parsed = this.parse(input);
    const rows = await this.repo.listVersions(this.repo.pool, subject, includeDeleted);
    if (rows.length === 0) throw registryErrors.subjectNotFound(subject);
    const id = await this.repo.findSchemaIdByFingerprint(this.repo.pool, parsed.fingerprint);
    const match = rows.filter((row) => row.schemaId === id).at(-1);
    if (!match) throw registryErrors.schemaNotFound();
    return view(match);
  }

  async schemaById(id: number): Promise<{ schema: string; schemaType?: string }> {
    const stored = await this.repo.findSchemaById(this.repo.pool, id);
    if (!stored) throw registryErrors.schemaNotFound(id);
    return {
      ...(stored.schemaType === AVRO ? {} : { schemaType: stored.schemaType }),
      schema: stored.schema,
    };
  }

  async subjectVersionsOfSchema(
    id: number,
    includeDeleted: boolean,
  ): Promise<{ subject: string; version: number }[]> {
    await this.schemaById(id);
    const rows = await this.repo.listVersionsBySchemaId(this.repo.pool, id, includeDeleted);
    return rows.map((row) => ({ subject: row.subject, version: row.version }));
  }

  async listSchemas(filter: {
    subjectPrefix: string;
    includeDeleted: boolean;
    latestOnly: boolean;
  }): Promise<SubjectVersionView[]> {
    const rows = await this.repo.listAllVersions(this.repo.pool, filter);
    const kept = filter.latestOnly ? rows.filter((row, i) => rows[i + 1]?.subject !== row.subject) : rows;
    return kept.map(view);
  }

  listSubjects(filter: { subjectPrefix: string; includeDeleted: boolean }): Promise<string[]> {
    return this.repo.listSubjects(this.repo.pool, filter);
  }

  async listVersions(subject: string, includeDeleted: boolean): Promise<number[]> {
    const rows = await this.repo.listVersions(this.repo.pool, subject, includeDeleted);
    if (rows.length === 0) throw registryErrors.subjectNotFound(subject);
    return rows.map((row) => row.version);
  }

  async getVersion(
    subject: string,
    selector: VersionSelector,
    includeDeleted: boolean,
  ): Promise<SubjectVersionView> {
    const rows = await this.repo.listVersions(this.repo.pool, subject, includeDeleted);
    if (rows.length === 0) throw registryErrors.subjectNotFound(subject);
    const row = pick(rows, selector);
    if (!row) throw registryErrors.versionNotFound(selector);
    return view(row);
  }

  async deleteSubject(subject: string, permanent: boolean): Promise<number[]> {
    const deleted = await this.repo.transaction(async (tx) => {
      await this.repo.lockSubject(tx, subject);
      const all = await this.repo.listVersions(tx, subject, true);
      if (all.length === 0) throw registryErrors.subjectNotFound(subject);
      const live = all.filter((row) => !row.deleted).map((row) => row.version);
      if (permanent) {
        if (live.length > 0) throw registryErrors.subjectNotSoftDeleted(subject);
        const versions = all.map((row) => row.version);
        await this.repo.hardDeleteVersions(tx, subject, versions);
        await this.repo.deleteCompatibility(tx, subject);
        return versions;
      }
      if (live.length === 0) throw registryErrors.subjectSoftDeleted(subject);
      await this.repo.softDeleteVersions(tx, subject, live);
      // Confluent forgets a subject's config with the subject, so a re-created subject starts from global.
      await this.repo.deleteCompatibility(tx, subject);
      return live;
    });
    this.logger.info({ subject, permanent, versions: deleted }, 'subject deleted');
    return deleted;
  }

  async deleteVersion(subject: string, selector: VersionSelector, permanent: boolean): Promise<number> {
    const version = await this.repo.transaction(async (tx) => {
      await this.repo.lockSubject(tx, subject);
      const all = await this.repo.listVersions(tx, subject, true);
      if (all.length === 0) throw registryErrors.subjectNotFound(subject);
      const candidates = permanent ? all : all.filter((row) => !row.deleted);
      const row = pick(candidates, selector) ?? (selector === 'latest' ? undefined : pick(all, selector));
      if (!row) throw registryErrors.versionNotFound(selector);
      if (permanent) {
        if (!row.deleted) throw registryErrors.versionNotSoftDeleted(subject, row.version);
        await this.repo.hardDeleteVersions(tx, subject, [row.version]);
      } else {
        if (row.deleted) throw registryErrors.versionSoftDeleted(subject, row.version);
        await this.repo.softDeleteVersions(tx, subject, [row.version]);
      }
      return row.version;
    });
    this.logger.info({ subject, permanent, version }, 'subject version deleted');
    return version;
  }

  async getGlobalLevel(): Promise<CompatibilityLevel> {
    return (
      parseCompatibilityLevel(await this.repo.getCompatibility(this.repo.pool)) ?? DEFAULT_COMPATIBILITY_LEVEL
    );
  }

  async getSubjectLevel(subject: string, defaultToGlobal: boolean): Promise<CompatibilityLevel> {
    const own = parseCompatibilityLevel(await this.repo.getCompatibility(this.repo.pool, subject));
    if (own) return own;
    if (!defaultToGlobal) throw registryErrors.subjectConfigNotFound(subject);
    return this.getGlobalLevel();
  }

  async setLevel(subject: string | undefined, raw: unknown): Promise<CompatibilityLevel> {
    const level = parseCompatibilityLevel(raw);
    if (!level) throw registryErrors.invalidCompatibilityLevel(raw);
    await this.repo.setCompatibility(this.repo.pool, subject, level);
    this.logger.info({ subject: subject ?? '(global)', level }, 'compatibility level set');
    return level;
  }

  /** Removes a subject's level (or resets the global one) and returns what was there before. */
  async deleteLevel(subject: string | undefined): Promise<CompatibilityLevel> {
    const removed = parseCompatibilityLevel(await this.repo.deleteCompatibility(this.repo.pool, subject));
    if (subject === undefined) return removed ?? DEFAULT_COMPATIBILITY_LEVEL;
    if (!removed) throw registryErrors.subjectConfigNotFound(subject);
    return removed;
  }

  /** `selector` undefined checks against the versions the subject's level asks for. */
  async testCompatibility(
    subject: string,
    selector: VersionSelector | undefined,
    input: SchemaInput,
  ): Promise<CompatibilityResult> {
    const parsed = this.parse(input);
    const live = await this.repo.listVersions(this.repo.pool, subject, false);
    const level = await this.effectiveLevel(this.repo.pool, subject);
    if (selector === undefined) return this.check(parsed, live, level);
    if (live.length === 0) throw registryErrors.subjectNotFound(subject);
    const row = pick(live, selector);
    if (!row) throw registryErrors.versionNotFound(selector);
    return this.check(parsed, [row], nonTransitive(level));
  }

  private parse(input: SchemaInput): ParsedAvroSchema {
    const type = (input.schemaType ?? AVRO).toUpperCase();
    if (type !== AVRO) {
      throw registryErrors.invalidSchema(
        `schemaType ${input.schemaType} is not supported; this registry only supports AVRO`,
      );
    }
    if (input.references && input.references.length > 0) {
      throw registryErrors.invalidSchema('schema references are not supported by this registry');
    }
    return parseAvroSchema(input.schema);
  }

  private check(parsed: ParsedAvroSchema, rows: readonly SubjectVersionRow[], level: CompatibilityLevel) {
    // Stored schemas were valid when registered, so re-parsing them cannot fail.
    const existing = rows.map((row) => ({ version: row.version, type: parseAvroSchema(row.schema).type }));
    return checkCompatibility(parsed.type, existing, level);
  }

  private async effectiveLevel(q: Queryable, subject: string): Promise<CompatibilityLevel> {
    return (
      parseCompatibilityLevel(await this.repo.getCompatibility(q, subject)) ??
      parseCompatibilityLevel(await this.repo.getCompatibility(q)) ??
      DEFAULT_COMPATIBILITY_LEVEL
    );
  }
}
