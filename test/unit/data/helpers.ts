/**
 * Test helpers for the data sets: a real HTTP server on 127.0.0.1, temporary folders, and a
 * ustar writer independent of the reader under test.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { asBytes } from '../../../src/shared/bytes';

export type Route = (req: IncomingMessage, res: ServerResponse) => void;

export interface TestServer {
  readonly base: string;
  /** Requests received, by path. */
  readonly hits: Map<string, number>;
  close(): Promise<void>;
}

/** Serves `routes` (exact paths); everything else is 404. */
export async function startServer(routes: Record<string, Route>): Promise<TestServer> {
  const hits = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const route = routes[path];
    if (route) route(req, res);
    else {
      res.statusCode = 404;
      res.end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    hits,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** A route answering with these bytes. */
export function bytesRoute(body: Uint8Array): Route {
  return (_req, res) => {
    res.setHeader('content-length', body.length);
    res.end(body);
  };
}

/** A URL on 127.0.0.1 where nothing listens (connection refused). */
export async function closedPortUrl(): Promise<string> {
  const s = await startServer({});
  const url = `${s.base}/`;
  await s.close();
  return url;
}

export async function tempDir(prefix: string): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `cnnlab-${prefix}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** Byte-typed wrappers (see src/trainer/data/bytes.ts for why Buffer needs them). */
export const gzip = (data: Uint8Array): Uint8Array => asBytes(gzipSync(data));
export const gunzip = (data: Uint8Array): Uint8Array => asBytes(gunzipSync(data));
export const readBytes = async (path: string): Promise<Uint8Array> => asBytes(await readFile(path));

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

// ------------------------------------------------------------------ ustar writer

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

/** One POSIX ustar entry: a file with `data`, or a directory when `data` is null. */
export interface TarInput {
  readonly name: string;
  readonly data: Uint8Array | null;
}

/** Writes a POSIX ustar archive (512-byte headers, zero-padded bodies, two zero blocks at the end). */
export function writeUstar(entries: readonly TarInput[]): Uint8Array {
  const blocks: Uint8Array[] = [];
  const enc = new TextEncoder();
  for (const e of entries) {
    const h = new Uint8Array(512);
    const put = (s: string, at: number): void => h.set(enc.encode(s), at);
    let name = e.name;
    let prefix = '';
    if (name.length > 100) {
      // ustar splits long paths at a '/' into a prefix (≤ 155 bytes) and a name (≤ 100 bytes).
      const cut = name.lastIndexOf('/', 155);
      if (cut < 0 || name.length - cut - 1 > 100) throw new Error(`path too long for ustar: ${name}`);
      prefix = name.slice(0, cut);
      name = name.slice(cut + 1);
    }
    const size = e.data?.length ?? 0;
    put(name, 0);
    put(octal(e.data ? 0o644 : 0o755, 8), 100);
    put(octal(0, 8), 108);
    put(octal(0, 8), 116);
    put(octal(size, 12), 124);
    put(octal(1_600_000_000, 12), 136);
    put('        ', 148);
    put(e.data ? '0' : '5', 156);
    put('ustar\0', 257);
    put('00', 263);
    put(prefix, 345);
    let sum = 0;
    for (const b of h) sum += b;
    put(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    blocks.push(h);
    if (e.data) {
      blocks.push(e.data);
      const pad = (512 - (size % 512)) % 512;
      if (pad) blocks.push(new Uint8Array(pad));
    }
  }
  blocks.push(new Uint8Array(1024));
  const out = new Uint8Array(blocks.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const b of blocks) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}
