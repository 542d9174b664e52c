import { createHash } from 'node:crypto';
import { Type } from 'avsc';
import { registryErrors } from './registry.errors';

export interface ParsedAvroSchema {
  /** avsc type used for compatibility checks. */
  readonly type: Type;
  /** Submitted schema without insignificant whitespace; what the registry hands back to readers. */
  readonly text: string;
  /** Normalised JSON (full names, sorted keys, primitives collapsed); equal schemas give equal strings. */
  readonly canonical: string;
  /** sha256 of `canonical`; indexed instead of the text because large schemas exceed btree row limits. */
  readonly fingerprint: string;
}

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);
const NAMED = new Set(['record', 'error', 'enum', 'fixed']);

/**
 * Parses the `schema` string of a registration request. Throws 42201 when it is not JSON or not a valid
 * Avro schema (unknown type names, bad defaults, duplicate union branches, invalid names...).
 */
export function parseAvroSchema(schemaText: string): ParsedAvroSchema {
  let json: unknown;
  try {
    json = JSON.parse(schemaText);
  } catch (error) {
    throw registryErrors.invalidSchema(`not valid JSON (${(error as Error).message})`);
  }
  let type: Type;
  try {
    // Wrapped unions keep every schema's union representation the same, whatever its branches, so
    // resolvers between old and new versions never mix the two avsc union flavours.
    type = Type.forSchema(json as Parameters<typeof Type.forSchema>[0], { wrapUnions: true });
  } catch (error) {
    throw registryErrors.invalidSchema((error as Error).message);
  }
  const canonical = stableStringify(normalize(json, undefined));
  return {
    type,
    text: JSON.stringify(json),
    canonical,
    fingerprint: createHash('sha256').update(canonical).digest('hex'),
  };
}

function qualify(name: string, namespace: string | undefined): string {
  if (name.includes('.') || PRIMITIVES.has(name)) return name;
  return namespace ? `${namespace}.${name}` : name;
}

function namespaceOf(fullName: string): string | undefined {
  const dot = fullName.lastIndexOf('.');
  return dot === -1 ? undefined : fullName.slice(0, dot);
}

// Only called on JSON that avsc already accepted, so shapes can be trusted loosely. Attributes the
// registry does not understand (doc, logicalType, custom props) are kept: Confluent treats schemas that
// differ in them as different schemas, and so do we.
function normalize(node: unknown, namespace: string | undefined): unknown {
  if (typeof node === 'string') return qualify(node, namespace);
  if (Array.isArray(node)) return node.map((branch) => normalize(branch, namespace));
  if (node === null || typeof node !== 'object') return node;

  const { type, ...attributes } = node as Record<string, unknown>;
  if (typeof type !== 'string') {
    const inner = normalize(type, namespace);
    return Object.keys(attributes).length === 0 ? inner : { ...attributes, type: inner };
  }
  if (PRIMITIVES.has(type)) return Object.keys(attributes).length === 0 ? type : { ...attributes, type };
  if (type === 'array') return { ...attributes, type, items: normalize(attributes.items, namespace) };
  if (type === 'map') return { ...attributes, type, values: normalize(attributes.values, namespace) };
  if (!NAMED.has(type)) return { ...attributes, type };

  const { namespace: ownNamespace, name, aliases, fields, ...rest } = attributes;
  const fullName = qualify(String(name), typeof ownNamespace === 'string' ? ownNamespace : namespace);
  const innerNamespace = namespaceOf(fullName);
  const out: Record<string, unknown> = { ...rest, type, name: fullName };
  if (Array.isArray(aliases)) out.aliases = aliases.map((alias) => qualify(String(alias), innerNamespace));
  if (Array.isArray(fields)) {
    out.fields = fields.map((field: Record<string, unknown>) => ({
      ...field,
      type: normalize(field.type, innerNamespace),
    }));
  }
  return out;
}

function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
