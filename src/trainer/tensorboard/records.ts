/**
 * TFRecord framing, as TensorFlow's `RecordWriter` and TensorBoard's event reader use it: each
 * record is its length (uint64 little-endian), the masked CRC-32C of those 8 bytes, the data, and
 * the masked CRC-32C of the data. A record cut short by a kill is ignored by readers, so a run's
 * event file stays readable whenever the trainer dies.
 */

/** CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), table-driven. */
const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32c(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = (TABLE[(c ^ (data[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** TensorFlow's masked CRC: rotate right by 15 bits and add a constant (so a CRC of CRCs stays useful). */
export function maskedCrc32c(data: Uint8Array): number {
  const c = crc32c(data);
  return ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

/** One framed record. */
export function frameRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + 4 + data.length + 4);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}

/**
 * The records of a file, stopping at the first incomplete or corrupt one (what a reader does with
 * a file whose writer was killed); `corrupt` says whether it stopped on a bad CRC rather than at the end.
 */
export function readRecords(bytes: Uint8Array): { records: Uint8Array[]; corrupt: boolean } {
  const records: Uint8Array[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  while (at + 12 <= bytes.length) {
    if (view.getUint32(at + 8, true) !== maskedCrc32c(bytes.subarray(at, at + 8))) return { records, corrupt: true };
    const len = Number(view.getBigUint64(at, true));
    if (at + 12 + len + 4 > bytes.length) break;
    const data = bytes.subarray(at + 12, at + 12 + len);
    if (view.getUint32(at + 12 + len, true) !== maskedCrc32c(data)) return { records, corrupt: true };
    records.push(data);
    at += 16 + len;
  }
  return { records, corrupt: false };
}
