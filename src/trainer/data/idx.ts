/**
 * IDX files (LeCun's MNIST format, also used by Fashion-MNIST): a 4-byte magic number
 * `00 00 <type> <ndims>`, ndims big-endian uint32 sizes, then the data, row-major. Only type 0x08
 * (unsigned byte) occurs in the data sets we load. Gzipped files are recognised by their magic
 * bytes, not their name.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { CnnLabError } from '../../shared/errors';
import type { ImageSet } from './types';
import { asBytes } from '../../shared/bytes';

const gunzipAsync = promisify(gunzip);

const IDX_TYPE_NAMES: Record<number, string> = {
  0x08: 'unsigned byte', 0x09: 'signed byte', 0x0b: 'short', 0x0c: 'int', 0x0d: 'float', 0x0e: 'double',
};

export interface IdxArray {
  readonly dims: readonly number[];
  /** The payload (a view into the file buffer, no copy). */
  readonly data: Uint8Array;
}

function corrupt(file: string, what: string, hint = 'Delete the file (or its cache folder) so it is fetched again.'): CnnLabError {
  return new CnnLabError('E_DATASET_CORRUPT', `${file}: ${what}`, hint);
}

function isGzip(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
}

/** Parses an uncompressed IDX buffer. `file` names it in errors. */
export function parseIdx(buf: Uint8Array, file = 'IDX data'): IdxArray {
  if (buf.length < 4) throw corrupt(file, `only ${buf.length} bytes, too short for an IDX header`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magic = view.getUint32(0, false);
  const type = buf[2] ?? 0;
  const ndims = buf[3] ?? 0;
  if (buf[0] !== 0 || buf[1] !== 0 || ndims === 0) {
    throw corrupt(file, `bad magic number 0x${magic.toString(16).padStart(8, '0')} (an IDX file starts with 00 00 <type> <dims>)`);
  }
  if (type !== 0x08) {
    const typeName = IDX_TYPE_NAMES[type] ?? `unknown type 0x${type.toString(16)}`;
    throw corrupt(file, `IDX element type ${typeName} is not supported (only unsigned byte, 0x08)`);
  }
  const headerBytes = 4 + 4 * ndims;
  if (buf.length < headerBytes) {
    throw corrupt(file, `truncated header: ${ndims} dimensions need ${headerBytes} bytes, file has ${buf.length}`);
  }
  const dims: number[] = [];
  let total = 1;
  for (let i = 0; i < ndims; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims.push(d);
    total *= d;
  }
  const expected = headerBytes + total;
  if (buf.length < expected) {
    throw corrupt(file, `truncated: dimensions ${dims.join('×')} need ${expected} bytes, file has ${buf.length}`);
  }
  if (buf.length > expected) {
    throw corrupt(file, `${buf.length - expected} unexpected bytes after the ${dims.join('×')} data`);
  }
  return { dims, data: buf.subarray(headerBytes, expected) };
}

/** Gunzips when the bytes say gzip; a damaged or truncated stream is E_DATASET_CORRUPT. */
export async function maybeGunzip(buf: Uint8Array, file: string): Promise<Uint8Array> {
  if (!isGzip(buf)) return buf;
  try {
    return asBytes(await gunzipAsync(buf));
  } catch (err) {
    throw corrupt(file, `gzip data is damaged or truncated (${(err as Error).message})`);
  }
}

/** Reads an IDX file, gzipped or not. */
export async function readIdxFile(path: string): Promise<IdxArray> {
  const name = basename(path);
  let raw: Uint8Array;
  try {
    raw = asBytes(await readFile(path));
  } catch (err) {
    throw new CnnLabError('E_DATASET_UNAVAILABLE', `Cannot read ${path}: ${(err as Error).message}`, 'Check that the file exists and is readable.');
  }
  return parseIdx(await maybeGunzip(raw, name), name);
}

/**
 * Pairs an IDX image file ([n, h, w]) with its label file ([n]) and checks they agree with the
 * data set's shape and class count.
 */
export function idxToImageSet(
  images: IdxArray,
  labels: IdxArray,
  expect: { imagesFile: string; labelsFile: string; height: number; width: number; numClasses: number },
): ImageSet {
  const [n, h, w] = images.dims;
  if (images.dims.length !== 3 || h !== expect.height || w !== expect.width || n === undefined) {
    throw corrupt(expect.imagesFile, `expected images of shape [n, ${expect.height}, ${expect.width}], found [${images.dims.join(', ')}]`);
  }
  if (labels.dims.length !== 1 || labels.dims[0] !== n) {
    throw corrupt(expect.labelsFile, `expected ${n} labels to match ${expect.imagesFile}, found shape [${labels.dims.join(', ')}]`);
  }
  for (let i = 0; i < labels.data.length; i++) {
    const l = labels.data[i] ?? 0;
    if (l >= expect.numClasses) throw corrupt(expect.labelsFile, `label ${l} at index ${i} is outside 0..${expect.numClasses - 1}`);
  }
  return { images: images.data, labels: labels.data, count: n };
}

/** Encodes an unsigned-byte IDX buffer; used by tests and tools that write IDX files. */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Uint8Array {
  const header = new Uint8Array(4 + 4 * dims.length);
  const view = new DataView(header.buffer);
  header[2] = 0x08;
  header[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  const out = new Uint8Array(header.length + data.length);
  out.set(header, 0);
  out.set(data, header.length);
  return out;
}
