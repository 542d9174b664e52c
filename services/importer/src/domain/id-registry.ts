/**
 * Remembers every order id of an import with the line it first appeared on, outside the JS heap: ids are
 * kept as UTF-8 bytes in one growing buffer and found through an open-addressing hash table of typed
 * arrays. A Map of 1M id strings costs ~70 MB of heap that the GC walks again and again, and V8 sizes
 * the old generation as a multiple of what is live, so the ids alone would push a big import well past
 * 150 MB; here they take ~35 bytes each and are never scanned. Exact: ids are compared byte for byte.
 */
export class IdRegistry {
  private static readonly encoder = new TextEncoder();

  /** UTF-8 bytes of every id, back to back; id i is bytes offsets[i] .. offsets[i + 1]. */
  private bytes = new Uint8Array(64 * 1024);
  private offsets = new Uint32Array(4 * 1024 + 1);
  private hashes = new Uint32Array(4 * 1024);
  private lines = new Uint32Array(4 * 1024);
  /** Hash table of entry index + 1 (0 = free slot); its size is a power of two, at most half full. */
  private slots = new Uint32Array(8 * 1024);
  private count = 0;

  get size(): number {
    return this.count;
  }

  /**
   * The line `id` was first registered with, or undefined when it is new (it is then registered with
   * `line`).
   */
  firstLineOrAdd(id: string, line: number): number | undefined {
    const start = this.offsets[this.count]!;
    // Worst case 3 bytes per UTF-16 unit.
    this.reserveBytes(start + id.length * 3);
    const { written } = IdRegistry.encoder.encodeInto(id, this.bytes.subarray(start));
    const end = start + written;
    const hash = fnv1a(this.bytes, start, end);
    const mask = this.slots.length - 1;
    let slot = hash & mask;
    for (;;) {
      const entry = this.slots[slot]!;
      if (entry === 0) break;
      const index = entry - 1;
      if (this.hashes[index] === hash && this.sameBytes(index, start, end)) return this.lines[index];
      slot = (slot + 1) & mask;
    }
    // New: the bytes written above become the entry's.
    this.reserveEntries(this.count + 1);
    const index = this.count;
    this.hashes[index] = hash;
    this.lines[index] = line;
    this.offsets[index + 1] = end;
    this.count += 1;
    this.slots[slot] = index + 1;
    if (this.count * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    return undefined;
  }

  private sameBytes(index: number, start: number, end: number): boolean {
    const from = this.offsets[index]!;
    const to = this.offsets[index + 1]!;
    if (to - from !== end - start) return false;
    for (let i = 0; i < end - start; i += 1) {
      if (this.bytes[from + i] !== this.bytes[start + i]) return false;
    }
    return true;
  }

  private reserveBytes(needed: number): void {
    if (needed <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(needed, this.bytes.length * 2));
    grown.set(this.bytes);
    this.bytes = grown;
  }

  private reserveEntries(needed: number): void {
    if (needed <= this.hashes.length) return;
    const capacity = this.hashes.length * 2;
    this.hashes = grow(this.hashes, capacity);
    this.lines = grow(this.lines, capacity);
    this.offsets = grow(this.offsets, capacity + 1);
  }

  private rehash(size: number): void {
    const slots = new Uint32Array(size);
    const mask = size - 1;
    for (let index = 0; index < this.count; index += 1) {
      let slot = this.hashes[index]! & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = index + 1;
    }
    this.slots = slots;
  }
}

function grow(array: Uint32Array, capacity: number): Uint32Array<ArrayBuffer> {
  const grown = new Uint32Array(capacity);
  grown.set(array);
  return grown;
}

/** 32-bit FNV-1a: quick, and spreads short similar ids (ORD-0001, ORD-0002) well. */
function fnv1a(bytes: Uint8Array, start: number, end: number): number {
  let hash = 0x811c9dc5;
  for (let i = start; i < end; i += 1) {
    hash ^= bytes[i]!;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
