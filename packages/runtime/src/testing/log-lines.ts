import { Writable } from 'node:stream';

/** A pino destination that parses every line into `lines`, so a test can assert on what was logged. */
export function collectLogLines<T>(lines: T[]): Writable {
  return new Writable({
    write: (chunk: Buffer, _encoding, done) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim()) lines.push(JSON.parse(line) as T);
      }
      done();
    },
  });
}
