/**
 * Test doubles for the native set-up: zip writing (in memory, and streaming from files for the
 * real-library test), a local package index (PyPI JSON API, PEP 503 HTML, PEP 691 JSON) with
 * misbehaviours on request, and a small forward/CONNECT proxy that records what went through it.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import { strict as assert } from 'node:assert';
import { crc32 } from '../../../../src/host/native/zip';
import { CnnLabError } from '../../../../src/shared/errors';

export const FIXTURES = path.join(__dirname, 'fixtures');
export const PROBE_SCRIPT = path.join(FIXTURES, 'probe.js');

export function u8(b: { buffer: ArrayBufferLike; byteOffset: number; byteLength: number }): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

export interface ZipInput {
  readonly name: string;
  readonly data: Uint8Array;
  /** 8 (deflate, default) or 0 (stored). */
  readonly method?: 0 | 8;
  /** Records a wrong CRC in both headers. */
  readonly badCrc?: boolean;
}

function dosTime(): { time: number; date: number } {
  return { time: 0, date: (45 << 9) | (1 << 5) | 1 };
}

function header(size: number): Buffer {
  return Buffer.alloc(size);
}

/** A zip in memory; `zip64` writes zip64 extra fields, record and locator for every entry. */
export function makeZip(entries: readonly ZipInput[], opts: { zip64?: boolean } = {}): Buffer {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  const { time, date } = dosTime();
  for (const e of entries) {
    const method = e.method ?? 8;
    const body = method === 8 ? u8(zlib.deflateRawSync(e.data)) : e.data;
    const crc = (crc32(e.data) ^ (e.badCrc ? 0x5a5a5a5a : 0)) >>> 0;
    const name = Buffer.from(e.name, 'utf8');
    const z64 = opts.zip64 === true;
    const localExtra = z64 ? header(20) : header(0);
    if (z64) {
      localExtra.writeUInt16LE(1, 0); localExtra.writeUInt16LE(16, 2);
      localExtra.writeBigUInt64LE(BigInt(e.data.length), 4); localExtra.writeBigUInt64LE(BigInt(body.length), 12);
    }
    const lh = header(30);
    lh.writeUInt32LE(0x04034b50, 0); lh.writeUInt16LE(z64 ? 45 : 20, 4); lh.writeUInt16LE(0x800, 6); lh.writeUInt16LE(method, 8);
    lh.writeUInt16LE(time, 10); lh.writeUInt16LE(date, 12); lh.writeUInt32LE(crc, 14);
    lh.writeUInt32LE(z64 ? 0xffffffff : body.length, 18); lh.writeUInt32LE(z64 ? 0xffffffff : e.data.length, 22);
    lh.writeUInt16LE(name.length, 26); lh.writeUInt16LE(localExtra.length, 28);
    parts.push(u8(lh), u8(name), u8(localExtra), body);
    const cdExtra = z64 ? header(28) : header(0);
    if (z64) {
      cdExtra.writeUInt16LE(1, 0); cdExtra.writeUInt16LE(24, 2);
      cdExtra.writeBigUInt64LE(BigInt(e.data.length), 4); cdExtra.writeBigUInt64LE(BigInt(body.length), 12); cdExtra.writeBigUInt64LE(BigInt(offset), 20);
    }
    const ch = header(46);
    ch.writeUInt32LE(0x02014b50, 0); ch.writeUInt16LE(0x031e, 4); ch.writeUInt16LE(z64 ? 45 : 20, 6); ch.writeUInt16LE(0x800, 8);
    ch.writeUInt16LE(method, 10); ch.writeUInt16LE(time, 12); ch.writeUInt16LE(date, 14); ch.writeUInt32LE(crc, 16);
    ch.writeUInt32LE(z64 ? 0xffffffff : body.length, 20); ch.writeUInt32LE(z64 ? 0xffffffff : e.data.length, 24);
    ch.writeUInt16LE(name.length, 28); ch.writeUInt16LE(cdExtra.length, 30); ch.writeUInt32LE((0o100644 << 16) >>> 0, 38);
    ch.writeUInt32LE(z64 ? 0xffffffff : offset, 42);
    central.push(u8(ch), u8(name), u8(cdExtra));
    offset += lh.length + name.length + localExtra.length + body.length;
  }
  const cd = u8(Buffer.concat(central));
  parts.push(cd);
  parts.push(...endRecords(entries.length, cd.length, offset, opts.zip64 === true));
  return Buffer.concat(parts);
}

function endRecords(count: number, cdSize: number, cdOffset: number, z64: boolean): Uint8Array[] {
  const out: Uint8Array[] = [];
  if (z64) {
    const rec = header(56);
    rec.writeUInt32LE(0x06064b50, 0); rec.writeBigUInt64LE(44n, 4); rec.writeUInt16LE(45, 12); rec.writeUInt16LE(45, 14);
    rec.writeBigUInt64LE(BigInt(count), 24); rec.writeBigUInt64LE(BigInt(count), 32);
    rec.writeBigUInt64LE(BigInt(cdSize), 40); rec.writeBigUInt64LE(BigInt(cdOffset), 48);
    const loc = header(20);
    loc.writeUInt32LE(0x07064b50, 0); loc.writeBigUInt64LE(BigInt(cdOffset + cdSize), 8); loc.writeUInt32LE(1, 16);
    out.push(u8(rec), u8(loc));
  }
  const eocd = header(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(z64 ? 0xffff : count, 8); eocd.writeUInt16LE(z64 ? 0xffff : count, 10);
  eocd.writeUInt32LE(z64 ? 0xffffffff : cdSize, 12); eocd.writeUInt32LE(z64 ? 0xffffffff : cdOffset, 16);
  out.push(u8(eocd));
  return out;
}

/**
 * A zip written from files, streaming (for the real 580 MB library): deflate (level 1, default) or
 * stored members and zip64 records always, so the reader's zip64 path also meets a real-size file.
 * Local headers are patched in place once each member's sizes are known. Returns SHA-256 and size.
 */
export async function writeZipFromFiles(zipPath: string, members: ReadonlyArray<{ name: string; file: string }>, opts: { method?: 0 | 8 } = {}): Promise<{ sha256: string; size: number }> {
  const method = opts.method ?? 8;
  const fh = await fs.promises.open(zipPath, 'w');
  let at = 0;
  const put = async (b: Uint8Array, position = at): Promise<void> => {
    let done = 0;
    while (done < b.length) done += (await fh.write(b, done, b.length - done, position + done)).bytesWritten;
    if (position === at) at += b.length;
  };
  const central: Uint8Array[] = [];
  try {
    for (const m of members) {
      const name = Buffer.from(m.name);
      const offset = at;
      const headerLen = 30 + name.length + 20;
      at += headerLen;
      let crc = 0;
      let size = 0;
      const source = fs.createReadStream(m.file, { highWaterMark: 1 << 20 });
      const counted = async function* (): AsyncGenerator<Uint8Array> {
        for await (const chunk of source as AsyncIterable<Uint8Array>) { crc = crc32(chunk, crc); size += chunk.length; yield chunk; }
      };
      const plain = Readable.from(counted());
      const stream = method === 8 ? plain.pipe(zlib.createDeflateRaw({ level: 1, chunkSize: 1 << 20 })) : plain;
      const dataStart = at;
      for await (const chunk of stream as AsyncIterable<Uint8Array>) await put(chunk);
      const csize = at - dataStart;
      const lh = header(headerLen);
      lh.writeUInt32LE(0x04034b50, 0); lh.writeUInt16LE(45, 4); lh.writeUInt16LE(method, 8); lh.writeUInt32LE(crc, 14);
      lh.writeUInt32LE(0xffffffff, 18); lh.writeUInt32LE(0xffffffff, 22); lh.writeUInt16LE(name.length, 26); lh.writeUInt16LE(20, 28);
      name.copy(u8(lh), 30);
      lh.writeUInt16LE(1, 30 + name.length); lh.writeUInt16LE(16, 32 + name.length);
      lh.writeBigUInt64LE(BigInt(size), 34 + name.length); lh.writeBigUInt64LE(BigInt(csize), 42 + name.length);
      await put(u8(lh), offset);
      const ch = header(46);
      const cdExtra = header(28);
      cdExtra.writeUInt16LE(1, 0); cdExtra.writeUInt16LE(24, 2); cdExtra.writeBigUInt64LE(BigInt(size), 4);
      cdExtra.writeBigUInt64LE(BigInt(csize), 12); cdExtra.writeBigUInt64LE(BigInt(offset), 20);
      ch.writeUInt32LE(0x02014b50, 0); ch.writeUInt16LE(0x031e, 4); ch.writeUInt16LE(45, 6); ch.writeUInt16LE(method, 10); ch.writeUInt32LE(crc, 16);
      ch.writeUInt32LE(0xffffffff, 20); ch.writeUInt32LE(0xffffffff, 24); ch.writeUInt16LE(name.length, 28); ch.writeUInt16LE(cdExtra.length, 30);
      ch.writeUInt32LE(0xffffffff, 42);
      central.push(u8(ch), u8(name), u8(cdExtra));
    }
    const cdOffset = at;
    let cdSize = 0;
    for (const c of central) { cdSize += c.length; await put(c); }
    for (const r of endRecords(members.length, cdSize, cdOffset, true)) await put(r);
  } finally {
    await fh.close();
  }
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(zipPath, { highWaterMark: 1 << 20 }) as AsyncIterable<Uint8Array>) hash.update(chunk);
  return { sha256: hash.digest('hex'), size: at };
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0;
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

// ------------------------------------------------------------------------------------ servers

export interface Served {
  readonly url: string;
  /** Paths requested, in order (for the proxy: the absolute URIs and CONNECT authorities). */
  readonly requests: string[];
  close(): Promise<void>;
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
}

function closer(server: net.Server, sockets: Set<net.Socket>): () => Promise<void> {
  return () => new Promise((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); });
}

function track(server: net.Server): Set<net.Socket> {
  const sockets = new Set<net.Socket>();
  const add = (s: net.Socket): void => { sockets.add(s); s.on('close', () => sockets.delete(s)); };
  server.on('connection', add);
  server.on('secureConnection', add);
  return sockets;
}

export interface IndexFile {
  readonly filename: string;
  readonly data: Uint8Array;
  /** What the index claims; default the real hash. */
  readonly sha256?: string;
  /** Bytes actually served (for corruption); default `data`. */
  readonly served?: Uint8Array;
  /** Close the connection after this many body bytes (content-length stays the full size). */
  readonly truncateAt?: number;
  /** Send the body in small chunks with this delay (ms) between them, for cancellation tests. */
  readonly trickleMs?: number;
  /** Serve through `/redirect/<n>/...` hops first. */
  readonly redirects?: number;
  /** Serve the file itself from an absolute URL (another server) instead. */
  readonly absoluteUrl?: string;
  /** Serve this file from disk instead of `data` (large files; then give sha256 and size). */
  readonly fromDisk?: string;
  readonly size?: number;
}

export interface IndexServerOptions {
  readonly project?: string;
  readonly version?: string;
  readonly files: IndexFile[];
  /** Answer the version JSON URL with 404 (the mirror only has the project document). */
  readonly onlyProjectJson?: boolean;
  /** The JSON API answers this text instead. */
  readonly badJson?: boolean;
  readonly tls?: { key: string; cert: string };
  /** The simple index answers HTML even when PEP 691 JSON is asked for. */
  readonly simpleHtmlOnly?: boolean;
}

/** A package index on 127.0.0.1: `/pypi/<p>/<v>/json`, `/pypi/<p>/json`, `/simple/<p>/` (HTML or PEP 691), `/files/<name>`. */
export async function startIndex(opts: IndexServerOptions): Promise<Served> {
  const project = opts.project ?? 'tensorflow-cpu';
  const version = opts.version ?? '2.21.0';
  const requests: string[] = [];
  const byName = new Map(opts.files.map((f) => [f.filename, f]));
  const fileUrl = (f: IndexFile, absolute: boolean, base: string): string => {
    if (f.absoluteUrl) return f.absoluteUrl;
    const rel = f.redirects ? `/redirect/${f.redirects}/files/${f.filename}` : `/files/${f.filename}`;
    return absolute ? `${base}${rel}` : rel;
  };
  let base = '';
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const url = req.url ?? '/';
    requests.push(url);
    const json = (status: number, v: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(v));
    };
    const entry = (f: IndexFile, absolute: boolean): Record<string, unknown> => ({
      filename: f.filename, url: fileUrl(f, absolute, base), packagetype: 'bdist_wheel',
      size: f.size ?? f.data.length, digests: { sha256: f.sha256 ?? sha256(f.data) },
    });
    if (url === `/pypi/${project}/${version}/json`) {
      if (opts.onlyProjectJson) { json(404, { message: 'Not Found' }); return; }
      if (opts.badJson) { res.writeHead(200, { 'content-type': 'application/json' }); res.end('<html>maintenance</html>'); return; }
      json(200, { info: { name: project, version }, urls: [...opts.files.map((f) => entry(f, true)), { filename: `${project}-${version}.tar.gz`, url: '/x.tar.gz', packagetype: 'sdist', digests: { sha256: '0'.repeat(64) } }] });
      return;
    }
    if (url === `/pypi/${project}/json`) {
      json(200, { info: { name: project }, releases: { [version]: opts.files.map((f) => entry(f, false)), '1.0.0': [] } });
      return;
    }
    if (url === `/simple/${project}/`) {
      if (!opts.simpleHtmlOnly && String(req.headers.accept ?? '').includes('application/vnd.pypi.simple.v1+json')) {
        res.writeHead(200, { 'content-type': 'application/vnd.pypi.simple.v1+json' });
        res.end(JSON.stringify({ meta: { 'api-version': '1.0' }, name: project, files: opts.files.map((f) => ({ filename: f.filename, url: `../..${fileUrl(f, false, base)}`, hashes: { sha256: f.sha256 ?? sha256(f.data) }, size: f.size ?? f.data.length })) }));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<!DOCTYPE html><html><body><h1>Links for ${project}</h1>\n${opts.files.map((f) => `<a href="../..${fileUrl(f, false, base)}#sha256=${f.sha256 ?? sha256(f.data)}" data-requires-python="&gt;=3.10">${f.filename}</a><br/>`).join('\n')}\n</body></html>`);
      return;
    }
    const redirect = /^\/redirect\/(\d+)(\/.*)$/.exec(url);
    if (redirect) {
      const n = Number(redirect[1]);
      res.writeHead(302, { location: n > 1 ? `/redirect/${n - 1}${redirect[2]}` : redirect[2] });
      res.end();
      return;
    }
    const file = /^\/files\/([^?#]+)$/.exec(url);
    const f = file ? byName.get(decodeURIComponent(file[1] ?? '')) : undefined;
    if (!f) { res.writeHead(404); res.end('not found'); return; }
    serveFile(f, res);
  };
  const server = opts.tls ? https.createServer({ key: opts.tls.key, cert: opts.tls.cert }, handler) : http.createServer(handler);
  const sockets = track(server);
  const port = await listen(server);
  base = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  return { url: base, requests, close: closer(server, sockets) };
}

function serveFile(f: IndexFile, res: http.ServerResponse): void {
  if (f.fromDisk) {
    const size = fs.statSync(f.fromDisk).size;
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(size) });
    fs.createReadStream(f.fromDisk, { highWaterMark: 1 << 20 }).pipe(res);
    return;
  }
  const body = f.served ?? f.data;
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(body.length) });
  if (f.truncateAt !== undefined) {
    res.write(body.subarray(0, f.truncateAt), () => res.socket?.destroy());
    return;
  }
  if (f.trickleMs !== undefined) {
    let at = 0;
    const tick = (): void => {
      if (res.destroyed || res.socket?.destroyed) return;
      if (at >= body.length) { res.end(); return; }
      res.write(body.subarray(at, at + 1024));
      at += 1024;
      setTimeout(tick, f.trickleMs);
    };
    tick();
    return;
  }
  res.end(body);
}

/** An HTTP proxy: absolute-URI requests are forwarded, CONNECT opens a tunnel; both are recorded. */
export async function startProxy(opts: { auth?: string } = {}): Promise<Served> {
  const requests: string[] = [];
  const authorized = (h: http.IncomingHttpHeaders): boolean => !opts.auth || h['proxy-authorization'] === `Basic ${Buffer.from(opts.auth).toString('base64')}`;
  const server = http.createServer((req, res) => {
    requests.push(`${req.method ?? ''} ${req.url ?? ''}`);
    if (!authorized(req.headers)) { res.writeHead(407, { 'proxy-authenticate': 'Basic' }); res.end(); return; }
    const target = new URL(req.url ?? '');
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    const up = http.request({ host: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, method: req.method, headers }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
    });
    up.on('error', () => { res.writeHead(502); res.end(); });
    req.pipe(up);
  });
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    requests.push(`CONNECT ${req.url ?? ''}`);
    if (!authorized(req.headers)) { client.end('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n'); return; }
    const [host, port] = (req.url ?? '').split(':');
    const up = net.connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) up.write(u8(head));
      up.pipe(client);
      client.pipe(up);
    });
    up.on('error', () => client.destroy());
    client.on('error', () => up.destroy());
  });
  const sockets = track(server);
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}`, requests, close: closer(server, sockets) };
}

export function tmpDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Every file under `dir`, relative, sorted. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p); else out.push(path.relative(dir, p));
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out.sort();
}

/** Awaits a rejection with a CnnLabError of this code whose message matches; returns it. */
export async function rejectsWith(p: Promise<unknown>, code: string, message: RegExp): Promise<CnnLabError> {
  let caught: CnnLabError | undefined;
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof CnnLabError, String(e));
    assert.equal(e.code, code, e.message);
    assert.match(e.message, message);
    caught = e;
    return true;
  });
  return caught as CnnLabError;
}
