/**
 * Ends an import: the CLI prints the message as one line (no stack trace) and exits 1. Raised for what
 * the operator has to fix: a missing file, an unknown header, an unreachable Kafka or registry.
 */
export class FatalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FatalError';
  }
}
