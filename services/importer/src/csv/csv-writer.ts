import { createWriteStream, type WriteStream } from 'node:fs';

const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

/** One CSV line (RFC 4180 quoting), without the line end. */
export function formatCsvLine(fields: readonly (string | number)[]): string {
  return fields
    .map((field) => {
      const text = String(field);
      return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
    })
    .join(',');
}

/** Resolves on `event`, rejects on the stream's 'error', and leaves no listener behind either way. */
function settle(stream: WriteStream, event: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = () => {
      stream.off('error', fail);
      resolve();
    };
    const fail = (error: Error) => {
      stream.off(event, done);
      reject(error);
    };
    stream.once(event, done);
    stream.once('error', fail);
  });
}

/** A CSV file written line by line, waiting for the disk when the stream's buffer is full. */
export class CsvWriter {
  private readonly stream: WriteStream;
  private failure: Error | undefined;

  private constructor(readonly path: string) {
    this.stream = createWriteStream(path);
    this.stream.on('error', (error) => {
      this.failure = error;
    });
  }

  static async open(path: string, header: readonly string[]): Promise<CsvWriter> {
    const writer = new CsvWriter(path);
    await settle(writer.stream, 'open');
    await writer.write(header);
    return writer;
  }

  async write(fields: readonly (string | number)[]): Promise<void> {
    this.throwIfFailed();
    if (!this.stream.write(`${formatCsvLine(fields)}\n`)) {
      await settle(this.stream, 'drain');
    }
  }

  async close(): Promise<void> {
    this.throwIfFailed();
    await new Promise<void>((resolve, reject) =>
      this.stream.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }
}
