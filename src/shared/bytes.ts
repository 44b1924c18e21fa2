/**
 * Byte helpers for the trainer's data sets and the host's zip writer. Node's Buffer is a Uint8Array at run time, but the @types/node 20 typings predate
 * TypeScript 5.7's generic typed arrays and no longer type-check as one; these views bridge that
 * without copying.
 */

/** A Uint8Array view of a Buffer (or any byte view), sharing its memory. */
export function asBytes(b: { buffer: ArrayBufferLike; byteOffset: number; byteLength: number }): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** The parts one after another, in a new array. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
