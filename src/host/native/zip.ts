/**
 * A small zip reader for wheels and VSIX files: the central directory (zip64 included), and
 * streaming extraction of chosen members (stored or deflate) with CRC-32 and size checks, each
 * written to `<dest>.part` and renamed into place. Asynchronous throughout: it runs in the
 * extension host, where a synchronous read of a 270 MB wheel would freeze the window.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';
import { CnnLabError } from '../../shared/errors';

export interface ZipEntry {
  readonly name: string;
  /** 0 stored, 8 deflate; others are reported, not extracted. */
  readonly method: number;
  readonly crc32: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localHeaderOffset: number;
  readonly flags: number;
}

export interface ExtractOptions {
  readonly signal?: AbortSignal;
  /** Uncompressed bytes written so far, of all the requested members. */
  readonly onProgress?: (done: number, total: number) => void;
}

// ------------------------------------------------------------------------------------ CRC-32

let table: Uint32Array | undefined;

function crcTable(): Uint32Array {
  if (table) return table;
  table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

type NativeCrc = (data: Uint8Array, value?: number) => number;
/** zlib.crc32 exists from Node 22.2 (and is much faster); the table below is the fallback. */
const nativeCrc = (zlib as unknown as { crc32?: NativeCrc }).crc32;

/** CRC-32 (the zip/PNG one) of `data`, continuing from `prev`. */
export function crc32(data: Uint8Array, prev = 0): number {
  if (nativeCrc) return nativeCrc(data, prev) >>> 0;
  const t = crcTable();
  let c = (prev ^ 0xffffffff) >>> 0;
  for (let i = 0; i < data.length; i++) c = (t[(c ^ (data[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// ------------------------------------------------------------------------------------ central directory

const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;

function corrupt(zipPath: string, what: string): CnnLabError {
  return new CnnLabError('E_IO', `${path.basename(zipPath)} is not a readable zip: ${what}`,
    'the file is damaged or incomplete; delete it and download it again');
}

async function readAt(fh: fs.promises.FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const view = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await fh.read(view, got, length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got === length ? buf : buf.subarray(0, got);
}

function u64(buf: Buffer, at: number): number {
  const v = buf.readBigUInt64LE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError('64-bit value too large');
  return Number(v);
}

/** Where the central directory is and how many entries it has (zip64 aware). */
async function findCentralDirectory(fh: fs.promises.FileHandle, zipPath: string, size: number): Promise<{ offset: number; size: number; entries: number }> {
  if (size < 22) throw corrupt(zipPath, `only ${size} bytes`);
  const tailLen = Math.min(size, 22 + 0xffff + 20);
  const tailStart = size - tailLen;
  const tail = await readAt(fh, tailStart, tailLen);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === SIG_EOCD && i + 22 + tail.readUInt16LE(i + 20) <= tail.length) { eocd = i; break; }
  }
  if (eocd < 0) throw corrupt(zipPath, 'no end-of-central-directory record (truncated?)');
  let entries = tail.readUInt16LE(eocd + 10);
  let cdSize = tail.readUInt32LE(eocd + 12);
  let cdOffset = tail.readUInt32LE(eocd + 16);
  const loc = eocd - 20;
  if (loc >= 0 && tail.readUInt32LE(loc) === SIG_ZIP64_LOCATOR) {
    const z64At = u64(tail, loc + 8);
    const z64 = await readAt(fh, z64At, 56);
    if (z64.length < 56 || z64.readUInt32LE(0) !== SIG_ZIP64_EOCD) throw corrupt(zipPath, 'bad zip64 end-of-central-directory record');
    entries = u64(z64, 32);
    cdSize = u64(z64, 40);
    cdOffset = u64(z64, 48);
  } else if (entries === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    throw corrupt(zipPath, 'zip64 fields without a zip64 locator');
  }
  if (cdOffset + cdSize > size) throw corrupt(zipPath, 'central directory beyond the end of the file (truncated?)');
  return { offset: cdOffset, size: cdSize, entries };
}

function parseCentralDirectory(cd: Buffer, zipPath: string, expected: number): ZipEntry[] {
  const out: ZipEntry[] = [];
  let at = 0;
  while (at + 46 <= cd.length) {
    if (cd.readUInt32LE(at) !== SIG_CENTRAL) throw corrupt(zipPath, `bad central directory entry at ${at}`);
    const flags = cd.readUInt16LE(at + 8);
    const method = cd.readUInt16LE(at + 10);
    const crc = cd.readUInt32LE(at + 16);
    let compressedSize = cd.readUInt32LE(at + 20);
    let size = cd.readUInt32LE(at + 24);
    const nameLen = cd.readUInt16LE(at + 28);
    const extraLen = cd.readUInt16LE(at + 30);
    const commentLen = cd.readUInt16LE(at + 32);
    let localHeaderOffset = cd.readUInt32LE(at + 42);
    const end = at + 46 + nameLen + extraLen + commentLen;
    if (end > cd.length) throw corrupt(zipPath, 'central directory entry runs past its end');
    const name = cd.toString(flags & 0x800 ? 'utf8' : 'latin1', at + 46, at + 46 + nameLen);
    // Zip64 extended information: the 64-bit values of exactly the fields set to all ones, in order.
    let x = at + 46 + nameLen;
    const xEnd = x + extraLen;
    while (x + 4 <= xEnd) {
      const id = cd.readUInt16LE(x);
      const len = cd.readUInt16LE(x + 2);
      if (id === 0x0001) {
        let p = x + 4;
        const take = (): number => {
          if (p + 8 > x + 4 + len) throw corrupt(zipPath, `short zip64 field for ${name}`);
          const v = u64(cd, p);
          p += 8;
          return v;
        };
        if (size === 0xffffffff) size = take();
        if (compressedSize === 0xffffffff) compressedSize = take();
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = take();
      }
      x += 4 + len;
    }
    out.push({ name, method, crc32: crc, compressedSize, size, localHeaderOffset, flags });
    at = end;
  }
  if (out.length !== expected) throw corrupt(zipPath, `central directory lists ${out.length} entries, the end record says ${expected}`);
  return out;
}

/** Every entry of the zip, in central-directory order. */
export async function listZip(zipPath: string): Promise<ZipEntry[]> {
  const fh = await fs.promises.open(zipPath, 'r');
  try {
    const { size } = await fh.stat();
    const cd = await findCentralDirectory(fh, zipPath, size);
    const buf = await readAt(fh, cd.offset, cd.size);
    if (buf.length !== cd.size) throw corrupt(zipPath, 'central directory cut short');
    return parseCentralDirectory(buf, zipPath, cd.entries);
  } catch (e) {
    if (e instanceof RangeError) throw corrupt(zipPath, e.message);
    throw e;
  } finally {
    await fh.close();
  }
}

// ------------------------------------------------------------------------------------ extraction

/** Counts bytes and the CRC of what passes through. */
class Check extends Transform {
  crc = 0;
  bytes = 0;
  constructor(private readonly limit: number, private readonly onBytes: (n: number) => void) { super(); }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.bytes += bytes.length;
    if (this.bytes > this.limit) { cb(new Error(`more than the recorded ${this.limit} bytes`)); return; }
    this.crc = crc32(bytes, this.crc);
    this.onBytes(bytes.length);
    cb(null, chunk);
  }
}

async function dataStart(fh: fs.promises.FileHandle, zipPath: string, e: ZipEntry): Promise<number> {
  const h = await readAt(fh, e.localHeaderOffset, 30);
  if (h.length < 30 || h.readUInt32LE(0) !== SIG_LOCAL) throw corrupt(zipPath, `no local header for ${e.name}`);
  return e.localHeaderOffset + 30 + h.readUInt16LE(26) + h.readUInt16LE(28);
}

/**
 * Extracts the named members (`{ member: destination }`), streaming and verified; resolves with
 * the bytes written per member. A member that is absent, encrypted, of an unknown method or whose
 * CRC or size disagrees with the central directory is an error, and leaves no partial file.
 */
export async function extractMembers(zipPath: string, members: Readonly<Record<string, string>>, opts: ExtractOptions = {}): Promise<Record<string, number>> {
  const entries = await listZip(zipPath);
  const byName = new Map(entries.map((e) => [e.name, e]));
  const wanted = Object.keys(members);
  const missing = wanted.filter((m) => !byName.has(m));
  if (missing.length) {
    throw new CnnLabError('E_IO', `${path.basename(zipPath)} has no ${missing.join(', ')}`,
      'this is not the expected package (wrong project or version on the index?)');
  }
  const total = wanted.reduce((n, m) => n + (byName.get(m)?.size ?? 0), 0);
  let done = 0;
  const written: Record<string, number> = {};
  const fh = await fs.promises.open(zipPath, 'r');
  try {
    for (const member of wanted) {
      if (opts.signal?.aborted) throw new CnnLabError('E_CANCELLED', 'unpacking was cancelled');
      const e = byName.get(member) as ZipEntry;
      const dest = members[member] as string;
      if (e.flags & 1) throw corrupt(zipPath, `${member} is encrypted`);
      if (e.method !== 0 && e.method !== 8) throw corrupt(zipPath, `${member} uses compression method ${e.method} (only stored and deflate are supported)`);
      const start = await dataStart(fh, zipPath, e);
      await fs.promises.mkdir(path.dirname(dest), { recursive: true });
      const part = `${dest}.part`;
      const check = new Check(e.size, (n) => { done += n; opts.onProgress?.(done, total); });
      let source: fs.ReadStream | undefined;
      try {
        if (e.compressedSize === 0) {
          await fs.promises.writeFile(part, new Uint8Array(0));
        } else {
          source = fs.createReadStream(zipPath, { start, end: start + e.compressedSize - 1, highWaterMark: 1 << 20 });
          const stages: NodeJS.ReadWriteStream[] = e.method === 8 ? [zlib.createInflateRaw({ chunkSize: 1 << 20 })] : [];
          await pipeline([source, ...stages, check, fs.createWriteStream(part)], { signal: opts.signal });
        }
        if (check.bytes !== e.size) throw new Error(`${check.bytes} bytes, the directory says ${e.size}`);
        if (check.crc !== e.crc32) throw new Error(`CRC-32 ${hex(check.crc)}, the directory says ${hex(e.crc32)}`);
        await fs.promises.rename(part, dest);
        written[member] = check.bytes;
      } catch (err) {
        source?.destroy();
        await fs.promises.rm(part, { force: true });
        if (opts.signal?.aborted) throw new CnnLabError('E_CANCELLED', 'unpacking was cancelled');
        if (err instanceof CnnLabError) throw err;
        const msg = err instanceof Error ? err.message : String(err);
        const io = err instanceof Error && (err as NodeJS.ErrnoException).syscall !== undefined;
        if (io) throw new CnnLabError('E_IO', `cannot write ${part}: ${msg}`, 'free disk space or check the folder permissions, then try again');
        throw new CnnLabError('E_CHECKSUM', `${path.basename(zipPath)}: ${member} is corrupt (${msg})`,
          'the file is damaged; delete it and download it again');
      }
    }
  } finally {
    await fh.close();
  }
  return written;
}

function hex(n: number): string {
  return n.toString(16).padStart(8, '0');
}
