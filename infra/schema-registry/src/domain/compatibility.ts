import type { Type } from 'avsc';

export const COMPATIBILITY_LEVELS = [
  'NONE',
  'BACKWARD',
  'BACKWARD_TRANSITIVE',
  'FORWARD',
  'FORWARD_TRANSITIVE',
  'FULL',
  'FULL_TRANSITIVE',
] as const;

export type CompatibilityLevel = (typeof COMPATIBILITY_LEVELS)[number];

export const DEFAULT_COMPATIBILITY_LEVEL: CompatibilityLevel = 'BACKWARD';

export function parseCompatibilityLevel(value: unknown): CompatibilityLevel | undefined {
  if (typeof value !== 'string') return undefined;
  const upper = value.toUpperCase();
  return (COMPATIBILITY_LEVELS as readonly string[]).includes(upper)
    ? (upper as CompatibilityLevel)
    : undefined;
}

export interface ExistingVersion {
  readonly version: number;
  readonly type: Type;
}

export interface CompatibilityResult {
  readonly compatible: boolean;
  readonly messages: string[];
}

/**
 * Checks `candidate` against the existing versions of a subject (oldest first) with Avro's own schema
 * resolution rules as implemented by avsc: a reader can read a writer's data when
 * `reader.createResolver(writer)` succeeds. Non-transitive levels only look at the newest version.
 */
export function checkCompatibility(
  candidate: Type,
  existing: readonly ExistingVersion[],
  level: CompatibilityLevel,
): CompatibilityResult {
  if (level === 'NONE' || existing.length === 0) return { compatible: true, messages: [] };
  const transitive = level.endsWith('_TRANSITIVE');
  const against = transitive ? existing : existing.slice(-1);
  const backward = level.startsWith('BACKWARD') || level.startsWith('FULL');
  const forward = level.startsWith('FORWARD') || level.startsWith('FULL');

  const messages: string[] = [];
  for (const previous of against) {
    if (backward) {
      const problem = resolutionProblem(candidate, previous.type);
      if (problem) {
        messages.push(
          `${level}: the new schema cannot read data written with version ${previous.version}: ${problem}`,
        );
      }
    }
    if (forward) {
      const problem = resolutionProblem(previous.type, candidate);
      if (problem) {
        messages.push(
          `${level}: version ${previous.version} cannot read data written with the new schema: ${problem}`,
        );
      }
    }
  }
  return { compatible: messages.length === 0, messages };
}

/** The level to apply when checking against one explicitly chosen version. */
export function nonTransitive(level: CompatibilityLevel): CompatibilityLevel {
  return level.replace('_TRANSITIVE', '') as CompatibilityLevel;
}

function resolutionProblem(reader: Type, writer: Type): string | undefined {
  try {
    reader.createResolver(writer);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}
