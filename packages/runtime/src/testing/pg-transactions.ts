import { Client } from 'pg';

/**
 * Records, for tests, the statements of every committed transaction in this process (grouped per
 * connection between BEGIN and COMMIT; rolled back ones are dropped), by wrapping pg's Client#query.
 * `install()` before the services start, `uninstall()` after they stop.
 */
export class TransactionRecorder {
  readonly committed: string[][] = [];
  private readonly open = new Map<Client, string[]>();
  private original: typeof Client.prototype.query | undefined;

  install(): void {
    if (this.original) return;
    const original = Client.prototype.query;
    this.original = original;
    const committed = this.committed;
    const open = this.open;
    function recordingQuery(this: Client, ...args: unknown[]): unknown {
      const first = args[0];
      const text = typeof first === 'string' ? first : (first as { text?: unknown } | undefined)?.text;
      if (typeof text === 'string') {
        if (text === 'BEGIN') open.set(this, []);
        else if (text === 'COMMIT') {
          const statements = open.get(this);
          if (statements) committed.push(statements);
          open.delete(this);
        } else if (text === 'ROLLBACK') open.delete(this);
        else open.get(this)?.push(text);
      }
      return Reflect.apply(original, this, args);
    }
    Client.prototype.query = recordingQuery as typeof Client.prototype.query;
  }

  uninstall(): void {
    if (this.original) Client.prototype.query = this.original;
    this.original = undefined;
  }
}
