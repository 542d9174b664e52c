/** Opaque to clients: the position after which the next page of the newest-first listing starts. */
export function encodeCursor(seq: number): string {
  return Buffer.from(`n1:${seq}`, 'utf8').toString('base64url');
}

/** The position a cursor stands for, or undefined when it is not one this API handed out. */
export function decodeCursor(cursor: string): number | undefined {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(cursor)) return undefined;
  const match = /^n1:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) return undefined;
  const seq = Number(match[1]);
  return Number.isSafeInteger(seq) && seq > 0 ? seq : undefined;
}
