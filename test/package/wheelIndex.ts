/**
 * A local PyPI-compatible index on 127.0.0.1 that serves one real wheel, so that the installed
 * extension sets its native backend up exactly as on a user's machine (JSON API, then the file,
 * checked on its SHA-256) without downloading 270 MB from pypi.org again.
 *
 *   GET /pypi/<project>/<version>/json   {"info": {...}, "urls": [{filename, url, digests, size, packagetype}]}
 *   GET /files/<filename>                the wheel, streamed (HEAD and single-range requests too)
 *
 * It counts what it sent, so the test can assert that the whole wheel went out.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';

export interface WheelFile {
  readonly path: string;
  readonly filename: string;
  readonly size: number;
  readonly sha256: string;
}

export interface IndexRequest {
  readonly method: string;
  readonly path: string;
  status: number;
  readonly range?: string;
  /** Body bytes written for this request (counted as they go out). */
  bytes: number;
}

export interface WheelIndex {
  /** `http://127.0.0.1:<port>`: the value of `cnnLab.native.packageIndex`. */
  readonly url: string;
  readonly wheel: WheelFile;
  readonly requests: readonly IndexRequest[];
  /** Wheel bytes sent in full (complete responses, not aborted ones), all requests together. */
  wheelBytesServed(): number;
  /** True once at least one request delivered every byte of the wheel, or ranges that together cover it. */
  servedWholeWheel(): boolean;
  close(): Promise<void>;
}

/**
 * The cached tensorflow-cpu wheel (scripts/provision-native.mjs keeps it in `<downloads>`), downloaded
 * once with pip when it is missing (pip's cache or a local index makes that quick).
 */
export function findOrDownloadWheel(downloads: string, project: string, version: string, log: (m: string) => void): string {
  const prefix = `${project.replace(/-/g, '_')}-${version}-`;
  const find = (): string | undefined => existsSync(downloads)
    ? readdirSync(downloads).filter((f) => f.startsWith(prefix) && f.endsWith('.whl')).sort().map((f) => join(downloads, f))[0]
    : undefined;
  const found = find();
  if (found !== undefined) return found;
  mkdirSync(downloads, { recursive: true });
  log(`no ${prefix}*.whl in ${downloads}: pip download ${project}==${version}`);
  const r = spawnSync('python3', ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--platform', 'manylinux_2_27_x86_64',
    '--python-version', '3.11', `${project}==${version}`, '-d', downloads], { stdio: ['ignore', 'inherit', 'inherit'], timeout: 15 * 60_000 });
  const after = find();
  if (r.status !== 0 || after === undefined) throw new Error(`pip download ${project}==${version} failed (exit ${String(r.status ?? r.signal)}); no wheel in ${downloads}`);
  return after;
}

export async function describeWheel(path: string): Promise<WheelFile> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path, { highWaterMark: 1 << 20 }), hash);
  return { path, filename: basename(path), size: statSync(path).size, sha256: hash.digest('hex') };
}

/** Parses a single `bytes=a-b` / `bytes=a-` / `bytes=-n` range; null when absent, 'invalid' when unsatisfiable or multi-part. */
function parseRange(header: string | undefined, size: number): { start: number; end: number } | null | 'invalid' {
  if (header === undefined) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (m === null) return 'invalid';
  const [, a = '', b = ''] = m;
  if (a === '' && b === '') return 'invalid';
  let start: number;
  let end: number;
  if (a === '') {
    start = Math.max(0, size - Number(b));
    end = size - 1;
  } else {
    start = Number(a);
    end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  }
  if (start > end || start >= size) return 'invalid';
  return { start, end };
}

export async function startWheelIndex(wheel: WheelFile, project: string, version: string): Promise<WheelIndex> {
  const requests: IndexRequest[] = [];
  /** Completed byte ranges of the wheel, to tell whether the whole file went out. */
  const delivered: [number, number][] = [];
  let port = 0;
  const jsonPath = `/pypi/${project}/${version}/json`;
  const filePath = `/files/${encodeURIComponent(wheel.filename)}`;

  const handle = async (req: IncomingMessage, res: ServerResponse, rec: IndexRequest): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) {
      rec.bytes = 0;
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === jsonPath || path === `${jsonPath}/`) {
      const body = Buffer.from(JSON.stringify({
        info: { name: project, version },
        urls: [{
          filename: wheel.filename,
          url: `http://127.0.0.1:${port}${filePath}`,
          digests: { sha256: wheel.sha256 },
          size: wheel.size,
          packagetype: 'bdist_wheel',
        }],
      }));
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      res.end(head ? undefined : body);
      rec.bytes = head ? 0 : body.length;
      return;
    }
    if (path === filePath) {
      const range = parseRange(req.headers.range, wheel.size);
      if (range === 'invalid') {
        res.writeHead(416, { 'content-range': `bytes */${wheel.size}` }).end();
        return;
      }
      const { start, end } = range ?? { start: 0, end: wheel.size - 1 };
      res.writeHead(range === null ? 200 : 206, {
        'content-type': 'application/octet-stream',
        'content-length': end - start + 1,
        'accept-ranges': 'bytes',
        ...(range === null ? {} : { 'content-range': `bytes ${start}-${end}/${wheel.size}` }),
      });
      if (head) { res.end(); return; }
      const stream = createReadStream(wheel.path, { start, end, highWaterMark: 1 << 20 });
      stream.on('data', (chunk) => { rec.bytes += chunk.length; });
      await pipeline(stream, res);
      delivered.push([start, end]);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}\n`);
  };

  const server = createServer((req, res) => {
    const rec: IndexRequest = { method: req.method ?? '?', path: req.url ?? '/', status: 0, bytes: 0, ...(req.headers.range !== undefined ? { range: req.headers.range } : {}) };
    requests.push(rec);
    res.on('finish', () => { rec.status = res.statusCode; });
    handle(req, res, rec).catch(() => { if (!res.headersSent) res.writeHead(500).end(); else res.destroy(); rec.status = -1; });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    wheel,
    requests,
    wheelBytesServed: () => delivered.reduce((s, [a, b]) => s + (b - a + 1), 0),
    servedWholeWheel: () => {
      // Merge the completed ranges and check that they cover 0..size-1.
      let covered = -1;
      for (const [a, b] of [...delivered].sort((x, y) => x[0] - y[0])) {
        if (a > covered + 1) return false;
        covered = Math.max(covered, b);
      }
      return covered >= wheel.size - 1;
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
