/**
 * Finds one wheel on a Python package index: PyPI's JSON API (`{index}/pypi/{project}/{version}/json`)
 * or, for mirrors (devpi, Nexus, Artifactory), a PEP 503 "simple" index (`.../simple`), read as
 * PEP 691 JSON when the server offers it and as HTML otherwise. Only resolves; `http.download`
 * fetches and verifies.
 */
import { CnnLabError } from '../../shared/errors';
import { HttpError, httpGet, redact, type HttpOptions } from './http';

export interface ResolveWheelOptions {
  /** `https://pypi.org` (JSON API) or a simple index URL ending in `/simple`. */
  readonly indexUrl: string;
  readonly project: string;
  readonly version: string;
  /** e.g. `manylinux_2_27_x86_64`; the legacy aliases (manylinux2014 = manylinux_2_17, ...) match too. */
  readonly platformTag: string;
  /** e.g. `cp311`. */
  readonly pythonTag: string;
  readonly proxy?: string;
  readonly strictSSL?: boolean;
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
  readonly env?: NodeJS.ProcessEnv;
}

export interface ResolvedWheel {
  readonly filename: string;
  readonly url: string;
  readonly sha256: string;
  readonly size?: number;
}

interface Candidate {
  readonly filename: string;
  readonly url: string;
  readonly sha256?: string;
  readonly size?: number;
}

export const DEFAULT_INDEX = 'https://pypi.org';

/** PEP 503 name normalisation. */
function normalizeProject(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

const LEGACY_MANYLINUX: Readonly<Record<string, string>> = {
  manylinux1: 'manylinux_2_5',
  manylinux2010: 'manylinux_2_12',
  manylinux2014: 'manylinux_2_17',
};

function normalizePlatform(tag: string): string {
  const m = /^(manylinux1|manylinux2010|manylinux2014)_(.+)$/.exec(tag.toLowerCase());
  return m ? `${LEGACY_MANYLINUX[m[1] as string]}_${m[2]}` : tag.toLowerCase();
}

/** The parts of a wheel file name (PEP 427), or undefined when it is not one. */
function parseWheelName(filename: string): { project: string; version: string; python: string[]; abi: string[]; platform: string[] } | undefined {
  if (!filename.endsWith('.whl')) return undefined;
  const parts = filename.slice(0, -4).split('-');
  if (parts.length !== 5 && parts.length !== 6) return undefined;
  const [project, version] = parts as [string, string];
  const [python, abi, platform] = parts.slice(-3) as [string, string, string];
  return { project, version, python: python.split('.'), abi: abi.split('.'), platform: platform.split('.') };
}

/** True when the wheel is for this project, version, Python tag and platform tag. */
export function wheelMatches(filename: string, opts: Pick<ResolveWheelOptions, 'project' | 'version' | 'platformTag' | 'pythonTag'>): boolean {
  const w = parseWheelName(filename);
  if (!w) return false;
  return normalizeProject(w.project) === normalizeProject(opts.project)
    && w.version === opts.version
    && w.python.includes(opts.pythonTag)
    && w.platform.map(normalizePlatform).includes(normalizePlatform(opts.platformTag));
}

function httpOpts(opts: ResolveWheelOptions, accept: string): HttpOptions {
  return { proxy: opts.proxy, strictSSL: opts.strictSSL, signal: opts.signal, timeoutMs: opts.timeoutMs, env: opts.env, headers: { accept } };
}

function unreachable(e: unknown, what: string): never {
  if (e instanceof HttpError) {
    throw new HttpError(`the package index is unreachable: ${e.message}`, e.url, e.status,
      `check that ${what} is reachable (network, proxy settings http.proxy), or set another package index`);
  }
  throw e;
}

function parseJson(body: Buffer, url: string): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new HttpError(`${redact(url)} did not answer JSON (${e instanceof Error ? e.message : String(e)})`, url, 200,
      'the index URL may point at a web page rather than a package index; check it');
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function badShape(url: string, what: string): HttpError {
  return new HttpError(`${redact(url)} is not a package index answer: ${what}`, url, 200, 'check the package index URL');
}

/** Candidates from a PyPI JSON API file list (`urls` or `releases[version]`). */
function fromJsonApi(list: unknown, pageUrl: string): Candidate[] {
  if (!Array.isArray(list)) throw badShape(pageUrl, 'no file list');
  const out: Candidate[] = [];
  for (const f of list) {
    if (!isRecord(f) || typeof f.filename !== 'string' || typeof f.url !== 'string') continue;
    if (f.packagetype !== undefined && f.packagetype !== 'bdist_wheel') continue;
    const sha256 = isRecord(f.digests) && typeof f.digests.sha256 === 'string' ? f.digests.sha256 : undefined;
    out.push({ filename: f.filename, url: new URL(f.url, pageUrl).toString(), sha256, size: typeof f.size === 'number' ? f.size : undefined });
  }
  return out;
}

async function resolveJsonApi(index: string, opts: ResolveWheelOptions): Promise<Candidate[]> {
  const project = encodeURIComponent(opts.project);
  const url = `${index}/pypi/${project}/${encodeURIComponent(opts.version)}/json`;
  try {
    const res = await httpGet(url, httpOpts(opts, 'application/json'));
    const doc = parseJson(res.body, res.url);
    if (!isRecord(doc)) throw badShape(res.url, 'not an object');
    return fromJsonApi(doc.urls, res.url);
  } catch (e) {
    // Some mirrors serve only the project document; it lists every release.
    if (!(e instanceof HttpError) || e.status !== 404) return unreachable(e, index);
  }
  const all = `${index}/pypi/${project}/json`;
  let res;
  try {
    res = await httpGet(all, httpOpts(opts, 'application/json'));
  } catch (e) {
    if (e instanceof HttpError && e.status === 404) {
      throw new CnnLabError('E_BACKEND_UNAVAILABLE', `${shown(index)} has no project ${opts.project} ${opts.version} (HTTP 404 for ${redact(url)})`,
        'check the package index URL; it must mirror PyPI\'s tensorflow-cpu');
    }
    return unreachable(e, index);
  }
  const doc = parseJson(res.body, res.url);
  if (!isRecord(doc) || !isRecord(doc.releases)) throw badShape(res.url, 'no releases');
  const files = doc.releases[opts.version];
  if (files === undefined) {
    throw new CnnLabError('E_BACKEND_UNAVAILABLE', `${shown(index)} has ${opts.project} but not version ${opts.version}`,
      'use an index that mirrors this version, or update CNN Lab');
  }
  return fromJsonApi(files, res.url);
}

/** The index URL for messages: no credentials, no trailing slash. */
function shown(index: string): string {
  return redact(index).replace(/\/+$/, '');
}

const HTML_ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", '#39': "'" };

function decodeHtml(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (all, e: string) => {
    if (e[0] === '#') {
      const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return Number.isFinite(code) ? String.fromCodePoint(code) : all;
    }
    return HTML_ENTITIES[e.toLowerCase()] ?? all;
  });
}

function hashFromFragment(u: URL): string | undefined {
  const m = /(?:^#|&)sha256=([0-9a-f]{64})/i.exec(u.hash);
  return m?.[1]?.toLowerCase();
}

/** Candidates from a PEP 503 HTML page: `<a href="...#sha256=...">filename</a>`. */
export function parseSimpleHtml(html: string, pageUrl: string): Candidate[] {
  const out: Candidate[] = [];
  const base = /<base\s[^>]*href\s*=\s*["']([^"']+)["']/i.exec(html)?.[1];
  const baseUrl = base ? new URL(decodeHtml(base), pageUrl).toString() : pageUrl;
  for (const m of html.matchAll(/<a\s([^>]*)>([\s\S]*?)<\/a\s*>/gi)) {
    const href = /\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/i.exec(m[1] ?? '');
    const raw = href?.[1] ?? href?.[2] ?? href?.[3];
    if (!raw) continue;
    let u: URL;
    try { u = new URL(decodeHtml(raw), baseUrl); } catch { continue; }
    const text = decodeHtml((m[2] ?? '').replace(/<[^>]*>/g, '')).trim();
    const filename = text.endsWith('.whl') ? text : decodeURIComponent(u.pathname.split('/').pop() ?? '');
    const sha256 = hashFromFragment(u);
    u.hash = '';
    out.push({ filename, url: u.toString(), sha256 });
  }
  return out;
}

async function resolveSimple(index: string, opts: ResolveWheelOptions): Promise<Candidate[]> {
  const url = `${index}/${normalizeProject(opts.project)}/`;
  let res;
  try {
    res = await httpGet(url, httpOpts(opts, 'application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01'));
  } catch (e) {
    if (e instanceof HttpError && e.status === 404) {
      throw new CnnLabError('E_BACKEND_UNAVAILABLE', `the index ${shown(index)} has no project ${opts.project} (HTTP 404 for ${redact(url)})`,
        'check the package index URL; it must mirror PyPI\'s tensorflow-cpu');
    }
    return unreachable(e, index);
  }
  const type = String(res.headers['content-type'] ?? '').toLowerCase();
  if (type.includes('json')) {
    const doc = parseJson(res.body, res.url);
    if (!isRecord(doc) || !Array.isArray(doc.files)) throw badShape(res.url, 'no "files" list');
    const out: Candidate[] = [];
    for (const f of doc.files) {
      if (!isRecord(f) || typeof f.filename !== 'string' || typeof f.url !== 'string') continue;
      const u = new URL(f.url, res.url);
      const sha256 = (isRecord(f.hashes) && typeof f.hashes.sha256 === 'string' ? f.hashes.sha256 : undefined) ?? hashFromFragment(u);
      u.hash = '';
      out.push({ filename: f.filename, url: u.toString(), sha256, size: typeof f.size === 'number' ? f.size : undefined });
    }
    return out;
  }
  return parseSimpleHtml(res.body.toString('utf8'), res.url);
}

/** True when the index URL names a PEP 503 simple index rather than PyPI's JSON API root. */
function isSimpleIndex(indexUrl: string): boolean {
  return /\/simple\/?$/.test(new URL(indexUrl).pathname);
}

/** The one wheel for this project, version, Python and platform, with its SHA-256. */
export async function resolveWheel(opts: ResolveWheelOptions): Promise<ResolvedWheel> {
  let index: string;
  try {
    index = new URL(opts.indexUrl || DEFAULT_INDEX).toString().replace(/\/+$/, '');
  } catch {
    throw new CnnLabError('E_NETWORK', `the package index "${opts.indexUrl}" is not a URL`, 'set a package index such as https://pypi.org or https://mirror.example/simple');
  }
  const candidates = isSimpleIndex(index) ? await resolveSimple(index, opts) : await resolveJsonApi(index, opts);
  const matching = candidates.filter((c) => wheelMatches(c.filename, opts));
  const pick = matching[0];
  if (!pick) {
    const all = candidates.map((c) => c.filename).filter((f) => f.endsWith('.whl'));
    const sameVersion = all.filter((f) => parseWheelName(f)?.version === opts.version);
    const wheels = sameVersion.length ? sameVersion : all;
    const list = wheels.slice(0, 8).join(', ') + (wheels.length > 8 ? `, ... (${wheels.length} in all)` : '');
    throw new CnnLabError('E_BACKEND_UNAVAILABLE',
      `${shown(index)} has no ${opts.project} ${opts.version} wheel for ${opts.pythonTag} ${opts.platformTag}${wheels.length ? `; it has ${list}` : ' (no wheels at all)'}`,
      'use a package index that mirrors this wheel, or train on the wasm backend');
  }
  if (!pick.sha256 || !/^[0-9a-f]{64}$/i.test(pick.sha256)) {
    throw new CnnLabError('E_CHECKSUM', `${shown(index)} lists ${pick.filename} without a SHA-256`,
      'the file cannot be verified; use an index that publishes hashes (PEP 503 #sha256= or PyPI\'s JSON API)');
  }
  return { filename: pick.filename, url: pick.url, sha256: pick.sha256.toLowerCase(), ...(pick.size !== undefined ? { size: pick.size } : {}) };
}
