/**
 * A small zip writer for `.keras` files: local headers, data (stored or deflated with zlib) and
 * the central directory, CRC-32 from the zip reader next door (../native/zip.ts, which also reads
 * `.keras` files back). No zip64: a `.keras` of a CNN Lab model is far below 4 GiB.
 */
import * as zlib from 'node:zlib';
import { asBytes, concatBytes } from '../../shared/bytes';
import { crc32 } from '../native/zip';

export interface ZipInput {
  readonly name: string;
  readonly data: Uint8Array;
  /** Deflate it (JSON) or store it as it is (Keras stores model.weights.h5, which h5py then reads in place). */
  readonly deflate: boolean;
}

/** DOS date and time of `d` (local time, 2-second resolution), as zip headers keep them. */
function dosDateTime(d: Date): { date: number; time: number } {
  const year = Math.max(1980, d.getFullYear());
  return {
    date: ((year - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | Math.floor(d.getSeconds() / 2),
  };
}

/** The zip file of `entries`, in that order. */
export function zipBytes(entries: readonly ZipInput[], modified: Date = new Date()): Uint8Array {
  const { date, time } = dosDateTime(modified);
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = new TextEncoder().encode(e.name);
    const data = e.deflate ? asBytes(zlib.deflateRawSync(e.data, { level: 9 })) : e.data;
    const crc = crc32(e.data);
    const method = e.deflate ? 8 : 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(date, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(e.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(0x031e, 4); // made by: Unix, 3.0
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(time, 12);
    central.writeUInt16LE(date, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(e.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38); // a regular file, rw-r--r--
    central.writeUInt32LE(offset, 42);
    locals.push(asBytes(local), name, data);
    centrals.push(asBytes(central), name);
    offset += local.length + name.length + data.length;
  }
  const directory = concatBytes(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return concatBytes([...locals, directory, asBytes(end)]);
}
