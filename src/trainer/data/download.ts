/**
 * Verified downloads into the data cache. A file is fetched from an ordered list of mirrors,
 * streamed to a temporary file in the cache folder while its SHA-256 is computed, and renamed into
 * place only when the digest matches: a reader never sees a partial file, and a corrupt or
 * truncated download is deleted and the next mirror tried. Cached files are re-hashed before use.
 *
 * A file may also carry the digest of its content (`RemoteFile.content`): a gzip file is then
 * accepted when its decompressed bytes match, so a mirror that re-compressed the data (another
 * level, another header) is as good as the original, while a damaged or truncated stream still
 * fails (gzip error or content mismatch). Local copies are checked the same way
 * (`readContentVerified`).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ReadableStreamDefaultReader } from 'node:stream/web';
import { CnnLabError } from '../../shared/errors';
import { asBytes } from '../../shared/bytes';
import { maybeGunzip } from './idx';
import type { DataProgress } from './types';

/** What a file holds once gunzipped (as is when it is not gzip): SHA-256 (lower-case hex) and size. */
export interface ContentDigest {
  readonly sha256: string;
  readonly size: number;
}

/** One file of a data set as published: its name on every mirror and its SHA-256. */
export interface RemoteFile {
  readonly name: string;
  /** Lower-case hex SHA-256 of the file exactly as served. */
  readonly sha256: string;
  /** Size in bytes, when known (progress, early truncation check). */
  readonly size?: number;
  /**
   * The decompressed content. When given, bytes that differ from `sha256` are still accepted if
   * their content matches (a re-compressed gzip), and `size` is only a progress estimate.
   */
  readonly content?: ContentDigest;
}

export interface DownloadOptions {
  /** Folder the verified file ends up in, as `<cacheDir>/<file.name>`. */
  readonly cacheDir: string;
  /** Base URLs, tried in order; `file.name` is appended (a missing trailing slash is added). */
  readonly mirrors: readonly string[];
  readonly fetch?: typeof globalThis.fetch;
  /** An attempt is abandoned when no byte arrives for this long. Default 20,000 ms. */
  readonly timeoutMs?: number;
  readonly onProgress?: (p: DataProgress) => void;
  readonly signal?: AbortSignal;
}

export type AttemptFailure = 'network' | 'timeout' | 'http' | 'checksum' | 'truncated';

export interface DownloadAttempt {
  readonly url: string;
  readonly failure: AttemptFailure;
  readonly detail: string;
}

/**
 * Every mirror failed. `E_CHECKSUM` when at least one mirror delivered bytes that did not verify,
 * else `E_DATASET_UNAVAILABLE`; `attempts` says what happened at each mirror.
 */
export class DownloadFailedError extends CnnLabError {
  constructor(
    readonly file: string,
    readonly attempts: readonly DownloadAttempt[],
    hint: string,
  ) {
    const bad = attempts.some((a) => a.failure === 'checksum' || a.failure === 'truncated');
    const list = attempts.length === 0 ? 'no mirrors configured' : attempts.map((a) => `${a.url}: ${a.detail}`).join('; ');
    super(bad ? 'E_CHECKSUM' : 'E_DATASET_UNAVAILABLE', `Could not download ${file} (${list})`, hint);
    this.name = 'DownloadFailedError';
  }

  /** True when no mirror answered at all (network down, DNS, timeouts): the offline case. */
  get noMirrorReachable(): boolean {
    return this.attempts.every((a) => a.failure === 'network' || a.failure === 'timeout');
  }
}

export const DEFAULT_TIMEOUT_MS = 20_000;

/** SHA-256 of a file, streamed (lower-case hex). */
async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Uint8Array);
  return hash.digest('hex');
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

function mirrorUrl(mirror: string, name: string): string {
  return (mirror.endsWith('/') ? mirror : `${mirror}/`) + name;
}

export function formatMB(bytes: number): string {
  return (bytes / 1e6).toFixed(bytes < 10e6 ? 2 : 1);
}

/** Calls `report` at most every ~1 % or 250 ms, and always for the last value. */
function throttled(report: ((p: DataProgress) => void) | undefined): (p: DataProgress, force?: boolean) => void {
  let lastAt = 0;
  let lastFraction = -1;
  return (p, force = false) => {
    if (!report) return;
    const now = Date.now();
    const f = p.fraction ?? 0;
    if (force || now - lastAt >= 250 || f - lastFraction >= 0.01) {
      lastAt = now;
      lastFraction = f;
      report(p);
    }
  };
}

/** A gzip stream can inflate a little: stored blocks add 5 bytes per 64 KiB, plus the header. */
function maxServedBytes(content: ContentDigest): number {
  return content.size + Math.ceil(content.size / 1000) + 4096;
}

/**
 * Checks `bytes` (gunzipped first when they are gzip) against `content` and returns the content.
 * Throws E_DATASET_CORRUPT for a damaged or truncated gzip stream and E_CHECKSUM for a mismatch.
 */
async function verifyContent(bytes: Uint8Array, content: ContentDigest, file: string, hint?: string): Promise<Uint8Array> {
  const data = await maybeGunzip(bytes, file);
  const digest = sha256(data);
  if (data.length !== content.size || digest !== content.sha256) {
    throw new CnnLabError(
      'E_CHECKSUM',
      `${file}: content SHA-256 ${digest.slice(0, 12)}… (${data.length} bytes) does not match the expected ${content.sha256.slice(0, 12)}… (${content.size} bytes)`,
      hint ?? 'Delete the file so a verified copy is fetched again.',
    );
  }
  return data;
}

/** Reads a local file and verifies its content (see `verifyContent`); a missing file is E_DATASET_UNAVAILABLE. */
export async function readContentVerified(path: string, content: ContentDigest, hint?: string): Promise<Uint8Array> {
  let raw: Uint8Array;
  try {
    raw = asBytes(await readFile(path));
  } catch (err) {
    throw new CnnLabError('E_DATASET_UNAVAILABLE', `Cannot read ${path}: ${(err as Error).message}`, hint ?? 'Check that the file exists and is readable.');
  }
  return verifyContent(raw, content, path, hint);
}

/** Whether a file in the cache is good: its exact bytes, or else its content when `file.content` is set. */
async function cachedFileVerifies(path: string, file: RemoteFile): Promise<boolean> {
  if ((await sha256File(path)) === file.sha256) return true;
  if (!file.content) return false;
  try {
    await readContentVerified(path, file.content);
    return true;
  } catch (err) {
    if (err instanceof CnnLabError) return false;
    throw err;
  }
}

function describeNetworkError(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as Error & { cause?: unknown }).cause;
    const code = typeof cause === 'object' && cause !== null ? (cause as { code?: unknown }).code : undefined;
    return typeof code === 'string' ? `${err.message} (${code})` : err.message;
  }
  return String(err);
}

/** One attempt at one mirror: streams into `tmp`; resolves with the digest, or a failure. */
async function attempt(
  url: string,
  tmp: string,
  file: RemoteFile,
  opts: DownloadOptions,
  progress: (p: DataProgress, force?: boolean) => void,
): Promise<DownloadAttempt | null> {
  const fetchImpl = opts.fetch ?? globalThis.fetch;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const ctrl = new AbortController();
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = true;
      ctrl.abort();
    }, timeoutMs);
  };
  const onUserAbort = (): void => ctrl.abort();
  opts.signal?.addEventListener('abort', onUserAbort, { once: true });
  const host = (() => {
    try {
      return new URL(url).host;
    } catch {
      return url;
    }
  })();
  const fh = await open(tmp, 'w');
  try {
    arm();
    let res: Response;
    try {
      res = await fetchImpl(url, { signal: ctrl.signal, redirect: 'follow' });
    } catch (err) {
      opts.signal?.throwIfAborted();
      if (timedOut) return { url, failure: 'timeout', detail: `no answer within ${timeoutMs} ms` };
      return { url, failure: 'network', detail: describeNetworkError(err) };
    }
    if (!res.ok || res.body === null) {
      await res.body?.cancel().catch(() => undefined);
      return { url, failure: 'http', detail: `HTTP ${res.status} ${res.statusText}`.trim() };
    }
    const header = Number(res.headers.get('content-length'));
    const served = Number.isFinite(header) && header > 0 ? header : null;
    // A content-verified file may be served re-compressed: trust the server's length for progress.
    const total = file.content ? (served ?? file.size ?? null) : (file.size ?? served);
    // Byte limits: the published size, or for content-verified files what any gzip of the content can take.
    const limit = file.content ? maxServedBytes(file.content) : file.size;
    const hash = createHash('sha256');
    let received = 0;
    const task = `Downloading ${file.name}`;
    progress({ task, fraction: total ? 0 : null, detail: `from ${host}` }, true);
    // undici types the body as a stream of `any`; fetch bodies are byte streams.
    const reader = res.body.getReader() as ReadableStreamDefaultReader<Uint8Array>;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        arm();
        hash.update(value);
        await fh.write(value);
        received += value.byteLength;
        if (limit !== undefined && received > limit) {
          return { url, failure: 'checksum', detail: `served more than the expected ${limit} bytes` };
        }
        progress({
          task,
          fraction: total ? Math.min(1, received / total) : null,
          detail: `${formatMB(received)}${total ? ` / ${formatMB(total)}` : ''} MB from ${host}`,
        });
      }
    } catch (err) {
      opts.signal?.throwIfAborted();
      if (timedOut) return { url, failure: 'timeout', detail: `stalled for ${timeoutMs} ms after ${received} bytes` };
      return { url, failure: 'network', detail: `connection lost after ${received} bytes: ${describeNetworkError(err)}` };
    } finally {
      await reader.cancel().catch(() => undefined);
    }
    if (!file.content && file.size !== undefined && received < file.size) {
      return { url, failure: 'truncated', detail: `truncated: ${received} of ${file.size} bytes` };
    }
    if (served !== null && received < served) {
      return { url, failure: 'truncated', detail: `truncated: ${received} of ${served} bytes` };
    }
    const digest = hash.digest('hex');
    if (digest !== file.sha256) {
      if (!file.content) {
        return { url, failure: 'checksum', detail: `SHA-256 mismatch (got ${digest.slice(0, 12)}…, expected ${file.sha256.slice(0, 12)}…)` };
      }
      // Other bytes than published: accept them when they hold the same content.
      progress({ task: `Verifying the content of ${file.name}`, fraction: null, detail: `from ${host}` }, true);
      try {
        await fh.sync().catch(() => undefined);
        await readContentVerified(tmp, file.content);
      } catch (err) {
        if (!(err instanceof CnnLabError)) throw err;
        const failure: AttemptFailure = err.code === 'E_CHECKSUM' ? 'checksum' : 'truncated';
        return { url, failure, detail: err.message.replace(`${tmp}: `, '') };
      }
    }
    progress({ task, fraction: 1, detail: `${formatMB(received)} MB from ${host}, verified` }, true);
    return null;
  } finally {
    if (timer) clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onUserAbort);
    await fh.close();
  }
}

/**
 * Returns the path of a verified copy of `file` in `opts.cacheDir`, downloading it when the cache
 * has none (or a corrupt one). Throws `DownloadFailedError` when every mirror fails, and rethrows
 * the abort reason when `opts.signal` fires.
 */
export async function downloadVerified(file: RemoteFile, opts: DownloadOptions, hint?: string): Promise<string> {
  await mkdir(opts.cacheDir, { recursive: true });
  const dest = join(opts.cacheDir, file.name);
  const progress = throttled(opts.onProgress);
  if (await exists(dest)) {
    progress({ task: `Verifying cached ${file.name}`, fraction: null }, true);
    if (await cachedFileVerifies(dest, file)) return dest;
    progress({ task: `Cached ${file.name} failed its checksum; downloading it again`, fraction: null }, true);
    await rm(dest, { force: true });
  }
  const attempts: DownloadAttempt[] = [];
  for (const mirror of opts.mirrors) {
    opts.signal?.throwIfAborted();
    const url = mirrorUrl(mirror, file.name);
    const tmp = `${dest}.${process.pid}.${randomBytes(4).toString('hex')}.part`;
    let failure: DownloadAttempt | null;
    try {
      failure = await attempt(url, tmp, file, opts, progress);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    if (failure === null) {
      await rename(tmp, dest);
      return dest;
    }
    await rm(tmp, { force: true });
    attempts.push(failure);
    progress({ task: `Mirror failed for ${file.name}`, fraction: null, detail: `${failure.url}: ${failure.detail}` }, true);
  }
  throw new DownloadFailedError(
    file.name,
    attempts,
    hint ?? `Check the network connection or add a reachable mirror; or copy a verified ${file.name} into ${opts.cacheDir}.`,
  );
}
