/**
 * Plain-Node HTTP(S) client for the native set-up: redirects (at most 5, never https → http),
 * proxies the way VS Code's `http.proxy` setting means them (an `http://[user:pass@]host:port`
 * proxy: absolute-URI requests for http targets, a CONNECT tunnel plus TLS for https targets),
 * falling back to HTTPS_PROXY / HTTP_PROXY / NO_PROXY, cancellation by AbortSignal, and downloads
 * that hash while streaming and land atomically. No dependencies beyond Node's own modules.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import { finished } from 'node:stream/promises';
import * as tls from 'node:tls';
import { CnnLabError } from '../../shared/errors';

export interface HttpOptions {
  /** `http://[user:pass@]host:port` (VS Code's `http.proxy`); when absent, the proxy environment variables apply. */
  readonly proxy?: string;
  /** false accepts any TLS certificate (VS Code's `http.proxyStrictSSL: false`); default true. */
  readonly strictSSL?: boolean;
  readonly signal?: AbortSignal;
  /** Idle time (no bytes, no connection) before the request fails; default 60 s. */
  readonly timeoutMs?: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Where HTTPS_PROXY, HTTP_PROXY and NO_PROXY are read; default process.env. */
  readonly env?: NodeJS.ProcessEnv;
}

export interface DownloadOptions extends HttpOptions {
  /** Lower-case hex; a mismatch deletes the partial file and throws E_CHECKSUM. */
  readonly expectedSha256?: string;
  readonly expectedSize?: number;
  readonly onProgress?: (received: number, total: number | undefined) => void;
}

export interface HttpResponse {
  /** The URL that answered, after redirects. */
  readonly url: string;
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface DownloadResult {
  readonly path: string;
  readonly url: string;
  readonly bytes: number;
  readonly sha256: string;
}

/** A failed HTTP exchange: which URL, and the status when the server answered at all. */
export class HttpError extends CnnLabError {
  constructor(message: string, readonly url: string, readonly status?: number, hint?: string) {
    super('E_NETWORK', message, hint ?? 'check the network connection and the proxy settings (http.proxy), then try again');
    this.name = 'HttpError';
  }
}

const MAX_REDIRECTS = 5;
const DEFAULT_TIMEOUT_MS = 60_000;
const MAX_BUFFERED = 64 * 1024 * 1024;

function cancelledError(what: string): CnnLabError {
  return new CnnLabError('E_CANCELLED', `${what} was cancelled`);
}

export function isCancelled(err: unknown): boolean {
  return err instanceof CnnLabError && err.code === 'E_CANCELLED';
}

/** URL without its user info, for messages and logs. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return url;
  }
}

function envVar(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name] ?? env[name.toLowerCase()];
  return v && v.trim() ? v.trim() : undefined;
}

/** True when NO_PROXY (comma or space separated: `*`, `host`, `.domain`, `host:port`) excludes this URL. */
export function bypassesProxy(target: URL, noProxy: string | undefined): boolean {
  if (!noProxy) return false;
  const host = target.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = target.port || (target.protocol === 'https:' ? '443' : '80');
  for (const raw of noProxy.split(/[,\s]+/)) {
    let entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return true;
    let entryPort: string | undefined;
    const m = /^(.*):(\d+)$/.exec(entry);
    if (m && !entry.endsWith(']') && (m[1] ?? '').indexOf(':') === -1) { entry = m[1] ?? ''; entryPort = m[2]; }
    entry = entry.replace(/^\[|\]$/g, '').replace(/^\*/, '');
    if (entryPort && entryPort !== port) continue;
    if (entry.startsWith('.') ? host.endsWith(entry) || host === entry.slice(1) : host === entry || host.endsWith(`.${entry}`)) return true;
  }
  return false;
}

/** The proxy for a target: the explicit one, else the environment's (honouring NO_PROXY); undefined for direct. */
export function proxyFor(target: URL, opts: Pick<HttpOptions, 'proxy' | 'env'>): URL | undefined {
  const env = opts.env ?? process.env;
  let raw = opts.proxy?.trim();
  if (!raw) {
    raw = target.protocol === 'https:'
      ? envVar(env, 'HTTPS_PROXY') ?? envVar(env, 'HTTP_PROXY')
      : envVar(env, 'HTTP_PROXY');
    if (!raw || bypassesProxy(target, envVar(env, 'NO_PROXY'))) return undefined;
  }
  try {
    const u = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('unsupported scheme');
    return u;
  } catch {
    throw new HttpError(`the proxy setting "${redact(raw)}" is not an http://host:port URL`, target.toString(), undefined,
      'set http.proxy to http://host:port (or http://user:password@host:port)');
  }
}

/** SNI for a host name; none for an IP address (RFC 6066). */
function serverName(target: URL): { servername?: string } {
  const host = target.hostname.replace(/^\[|\]$/g, '');
  return net.isIP(host) ? {} : { servername: host };
}

function proxyAuth(proxy: URL): Record<string, string> {
  if (!proxy.username) return {};
  const cred = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
  return { 'proxy-authorization': `Basic ${Buffer.from(cred).toString('base64')}` };
}

function defaultPort(u: URL): number {
  return u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
}

/** Calls `fn` once when the signal aborts (now, if it already has); returns the unsubscribe. */
function onAbort(signal: AbortSignal | undefined, fn: () => void): () => void {
  if (!signal) return () => undefined;
  if (signal.aborted) { fn(); return () => undefined; }
  signal.addEventListener('abort', fn, { once: true });
  return () => signal.removeEventListener('abort', fn);
}

/** Opens a CONNECT tunnel through `proxy` to the target and wraps it in TLS. */
function tunnel(proxy: URL, target: URL, opts: HttpOptions): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const authority = `${target.hostname}:${defaultPort(target)}`;
    const mod = proxy.protocol === 'https:' ? https : http;
    const req = mod.request({
      host: proxy.hostname, port: defaultPort(proxy), method: 'CONNECT', path: authority,
      headers: { host: authority, ...proxyAuth(proxy) }, rejectUnauthorized: opts.strictSSL !== false,
      agent: false,
    });
    let settled = false;
    const fail = (err: Error): void => { if (!settled) { settled = true; off(); req.destroy(); reject(err); } };
    const off = onAbort(opts.signal, () => fail(cancelledError(`the request to ${redact(target.toString())}`)));
    req.setTimeout(opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, () => fail(new HttpError(
      `the proxy ${proxy.host} did not answer within ${Math.round((opts.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000)} s`, target.toString())));
    req.on('error', (e) => fail(new HttpError(`cannot reach the proxy ${proxy.host}: ${e.message}`, target.toString())));
    req.on('connect', (res: http.IncomingMessage, socket: Duplex) => {
      if (settled) { socket.destroy(); return; }
      if (res.statusCode !== 200) {
        socket.destroy();
        fail(new HttpError(`the proxy ${proxy.host} refused the tunnel to ${authority}: HTTP ${res.statusCode ?? '?'}`,
          target.toString(), res.statusCode,
          res.statusCode === 407 ? 'the proxy wants credentials: put them in http.proxy as http://user:password@host:port' : undefined));
        return;
      }
      const secure = tls.connect({
        socket, ...serverName(target), rejectUnauthorized: opts.strictSSL !== false,
      });
      const tlsFail = (e: Error): void => { secure.destroy(); fail(new HttpError(`TLS to ${target.host} through the proxy failed: ${e.message}`, target.toString())); };
      secure.once('error', tlsFail);
      secure.once('secureConnect', () => {
        secure.off('error', tlsFail);
        if (settled) { secure.destroy(); return; }
        settled = true;
        off();
        resolve(secure);
      });
    });
    req.end();
  });
}

/** One request, no redirects; resolves with the response head (the body still to be read). */
async function requestOnce(target: URL, opts: HttpOptions): Promise<{ res: http.IncomingMessage; req: http.ClientRequest }> {
  if (opts.signal?.aborted) throw cancelledError(`the request to ${redact(target.toString())}`);
  const proxy = proxyFor(target, opts);
  const headers: Record<string, string> = { 'user-agent': 'cnn-lab', accept: '*/*', ...opts.headers };
  let options: https.RequestOptions;
  let mod: typeof http | typeof https = target.protocol === 'https:' ? https : http;
  if (!proxy) {
    options = { protocol: target.protocol, hostname: target.hostname.replace(/^\[|\]$/g, ''), port: defaultPort(target), path: `${target.pathname}${target.search}`, headers, agent: false };
  } else if (target.protocol === 'http:') {
    mod = proxy.protocol === 'https:' ? https : http;
    options = { protocol: proxy.protocol, hostname: proxy.hostname, port: defaultPort(proxy), path: target.toString(), headers: { ...headers, host: target.host, ...proxyAuth(proxy) }, agent: false };
  } else {
    const socket = await tunnel(proxy, target, opts);
    options = { protocol: 'https:', hostname: target.hostname, port: defaultPort(target), path: `${target.pathname}${target.search}`, headers, agent: false, createConnection: () => socket };
  }
  if (target.protocol === 'https:') {
    options.rejectUnauthorized = opts.strictSSL !== false;
    Object.assign(options, serverName(target));
  }
  return new Promise((resolve, reject) => {
    const req = mod.request(options);
    let settled = false;
    const fail = (err: Error): void => { if (!settled) { settled = true; off(); reject(err); } req.destroy(); };
    const off = onAbort(opts.signal, () => fail(cancelledError(`the request to ${redact(target.toString())}`)));
    const ms = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    req.setTimeout(ms, () => fail(new HttpError(`${redact(target.toString())} did not answer within ${Math.round(ms / 1000)} s`, target.toString())));
    req.on('error', (e) => fail(new HttpError(`cannot reach ${redact(target.toString())}${proxy ? ` through the proxy ${proxy.host}` : ''}: ${e.message}`, target.toString())));
    req.on('response', (res) => {
      if (settled) { res.destroy(); return; }
      settled = true;
      off();
      resolve({ res, req });
    });
    req.end();
  });
}

/** Follows redirects; resolves with a 2xx response whose body is still to be read, or throws HttpError. */
async function openUrl(url: string, opts: HttpOptions = {}): Promise<{ url: string; res: http.IncomingMessage; req: http.ClientRequest }> {
  let target: URL;
  try { target = new URL(url); } catch { throw new HttpError(`not a URL: ${url}`, url); }
  for (let hop = 0; ; hop++) {
    if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new HttpError(`unsupported URL scheme ${target.protocol} in ${redact(target.toString())}`, url);
    const { res, req } = await requestOnce(target, opts);
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if ([301, 302, 303, 307, 308].includes(status) && location) {
      res.resume();
      if (hop >= MAX_REDIRECTS) throw new HttpError(`${redact(url)} redirected more than ${MAX_REDIRECTS} times`, url, status);
      const next = new URL(location, target);
      if (target.protocol === 'https:' && next.protocol !== 'https:') {
        throw new HttpError(`${redact(target.toString())} redirected to the insecure ${redact(next.toString())}; refused`, url, status,
          'the server or a proxy downgrades https to http; configure a mirror that serves https');
      }
      target = next;
      continue;
    }
    if (status < 200 || status > 299) {
      res.resume();
      throw new HttpError(`${redact(target.toString())} answered HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''}`, target.toString(), status);
    }
    return { url: target.toString(), res, req };
  }
}

/** GET into memory (index pages, JSON); at most 64 MB. */
export async function httpGet(url: string, opts: HttpOptions = {}): Promise<HttpResponse> {
  const { url: finalUrl, res, req } = await openUrl(url, opts);
  const off = onAbort(opts.signal, () => res.destroy(cancelledError(`the request to ${redact(finalUrl)}`)));
  try {
    const chunks: Uint8Array[] = [];
    let n = 0;
    for await (const chunk of res as AsyncIterable<Uint8Array>) {
      n += chunk.length;
      if (n > MAX_BUFFERED) throw new HttpError(`${redact(finalUrl)} sent more than ${MAX_BUFFERED} bytes`, finalUrl, res.statusCode);
      chunks.push(chunk);
    }
    const body = Buffer.concat(chunks);
    checkLength(res, body.length, finalUrl);
    return { url: finalUrl, status: res.statusCode ?? 0, headers: res.headers, body };
  } catch (e) {
    throw bodyError(e, opts.signal, finalUrl, res.statusCode);
  } finally {
    off();
    req.destroy();
  }
}

function checkLength(res: http.IncomingMessage, received: number, url: string): void {
  const declared = Number(res.headers['content-length']);
  if (res.headers['content-length'] !== undefined && Number.isFinite(declared) && received !== declared) {
    throw new HttpError(`the download from ${redact(url)} was cut short: ${received} of ${declared} bytes`, url, res.statusCode);
  }
}

function bodyError(e: unknown, signal: AbortSignal | undefined, url: string, status: number | undefined): Error {
  if (e instanceof CnnLabError) return e;
  if (signal?.aborted) return cancelledError(`the download from ${redact(url)}`);
  const msg = e instanceof Error ? e.message : String(e);
  return new HttpError(`the download from ${redact(url)} was cut short (${msg})`, url, status);
}

/**
 * Downloads `url` to `dest` through `dest.part`: SHA-256 computed while streaming, size and hash
 * checked, then renamed into place. Any failure or cancellation deletes the partial file.
 */
export async function download(url: string, dest: string, opts: DownloadOptions = {}): Promise<DownloadResult> {
  const part = `${dest}.part`;
  await fs.promises.rm(part, { force: true });
  const { url: finalUrl, res, req } = await openUrl(url, opts);
  const hash = createHash('sha256');
  const declared = res.headers['content-length'] !== undefined ? Number(res.headers['content-length']) : undefined;
  const total = declared ?? opts.expectedSize;
  let received = 0;
  let writeError: Error | undefined;
  const out = fs.createWriteStream(part);
  const off = onAbort(opts.signal, () => {
    const err = cancelledError(`the download from ${redact(finalUrl)}`);
    res.destroy(err);
    req.destroy();
  });
  try {
    if (opts.expectedSize !== undefined && declared !== undefined && declared !== opts.expectedSize) {
      throw new CnnLabError('E_CHECKSUM', `${redact(finalUrl)} is ${declared} bytes; the index says ${opts.expectedSize}`,
        'the mirror serves a different file than its index lists; try again later or another index');
    }
    const outError = new Promise<never>((_, reject) => out.once('error', (e) => { writeError = e; reject(e); }));
    outError.catch(() => undefined);
    for await (const chunk of res as AsyncIterable<Uint8Array>) {
      received += chunk.length;
      if (opts.expectedSize !== undefined && received > opts.expectedSize) {
        throw new CnnLabError('E_CHECKSUM', `${redact(finalUrl)} sent more than the expected ${opts.expectedSize} bytes`,
          'the mirror serves a different file than its index lists; try again later or another index');
      }
      hash.update(chunk);
      if (!out.write(chunk)) await Promise.race([new Promise((r) => out.once('drain', r)), outError]);
      opts.onProgress?.(received, total);
    }
    if (opts.signal?.aborted) throw cancelledError(`the download from ${redact(finalUrl)}`);
    checkLength(res, received, finalUrl);
    out.end();
    await finished(out);
    if (opts.expectedSize !== undefined && received !== opts.expectedSize) {
      throw new HttpError(`the download from ${redact(finalUrl)} was cut short: ${received} of ${opts.expectedSize} bytes`, finalUrl, res.statusCode);
    }
    const sha256 = hash.digest('hex');
    if (opts.expectedSha256 !== undefined && sha256 !== opts.expectedSha256.toLowerCase()) {
      throw new CnnLabError('E_CHECKSUM', `the file from ${redact(finalUrl)} is damaged: SHA-256 ${sha256}, expected ${opts.expectedSha256.toLowerCase()}`,
        'try again; if it repeats, the mirror or a proxy alters the file');
    }
    await fs.promises.rename(part, dest);
    return { path: dest, url: finalUrl, bytes: received, sha256 };
  } catch (e) {
    // Read before destroying: a destroy also fails the writes still buffered, which is not the cause.
    const wErr = writeError ?? (e instanceof Error && out.errored === e ? e : undefined);
    out.destroy();
    await finished(out).catch(() => undefined);
    await fs.promises.rm(part, { force: true });
    if (wErr && !(e instanceof CnnLabError)) {
      throw new CnnLabError('E_IO', `cannot write ${part}: ${wErr.message}`, 'free disk space or check the folder permissions, then try again');
    }
    throw bodyError(e, opts.signal, finalUrl, res.statusCode);
  } finally {
    off();
    req.destroy();
  }
}
