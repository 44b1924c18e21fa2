import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as path from 'node:path';
import { bypassesProxy, download, httpGet, HttpError, proxyFor } from '../../../../src/host/native/http';
import { sameBytes, FIXTURES, listFiles, sha256, startIndex, startProxy, tmpDir, u8, type Served, rejectsWith } from './helpers';

const TLS = { key: fs.readFileSync(path.join(FIXTURES, 'localhost-key.pem'), 'utf8'), cert: fs.readFileSync(path.join(FIXTURES, 'localhost-cert.pem'), 'utf8') };
const NO_ENV = {};

describe('native set-up: http', () => {
  const data = u8(randomBytes(300_000));
  const servers: Served[] = [];
  let dir: string;
  beforeEach(() => { dir = tmpDir('cnnlab-http-'); });
  afterEach(async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    for (const s of servers.splice(0)) await s.close();
  });
  const serve = async (files: Parameters<typeof startIndex>[0]['files'], tls = false): Promise<Served> => {
    const s = await startIndex({ files, ...(tls ? { tls: TLS } : {}) });
    servers.push(s);
    return s;
  };

  it('downloads, hashes and renames into place, reporting progress', async () => {
    const s = await serve([{ filename: 'f.whl', data }]);
    const seen: number[] = [];
    const dest = path.join(dir, 'f.whl');
    const r = await download(`${s.url}/files/f.whl`, dest, { env: NO_ENV, expectedSha256: sha256(data), expectedSize: data.length, onProgress: (n, total) => { seen.push(n); assert.equal(total, data.length); } });
    assert.equal(r.sha256, sha256(data));
    assert.equal(r.bytes, data.length);
    assert.ok(sameBytes(u8(fs.readFileSync(dest)), data));
    assert.equal(seen[seen.length - 1], data.length);
    assert.deepEqual(listFiles(dir), ['f.whl']);
  });

  it('rejects a SHA-256 mismatch with expected and actual, leaving nothing', async () => {
    const s = await serve([{ filename: 'f.whl', data }]);
    const e = await rejectsWith(download(`${s.url}/files/f.whl`, path.join(dir, 'f.whl'), { env: NO_ENV, expectedSha256: 'a'.repeat(64) }),
      'E_CHECKSUM', new RegExp(`SHA-256 ${sha256(data)}, expected a{64}`));
    assert.ok(e.hint);
    assert.deepEqual(listFiles(dir), []);
  });

  it('rejects a body cut short by the server', async () => {
    const s = await serve([{ filename: 'f.whl', data, truncateAt: 100_000 }]);
    await rejectsWith(download(`${s.url}/files/f.whl`, path.join(dir, 'f.whl'), { env: NO_ENV, expectedSha256: sha256(data) }), 'E_NETWORK', /cut short/);
    assert.deepEqual(listFiles(dir), []);
  });

  it('cancels mid-stream promptly: E_CANCELLED, no part file', async () => {
    const s = await serve([{ filename: 'f.whl', data, trickleMs: 5 }]);
    const ac = new AbortController();
    const p = download(`${s.url}/files/f.whl`, path.join(dir, 'f.whl'), {
      env: NO_ENV, signal: ac.signal, onProgress: (n) => { if (n >= 5 * 1024) ac.abort(); },
    });
    const t0 = Date.now();
    await rejectsWith(p, 'E_CANCELLED', /cancelled/);
    assert.ok(Date.now() - t0 < 2000);
    assert.deepEqual(listFiles(dir), []);
  });

  it('follows redirects, at most five', async () => {
    const s = await serve([{ filename: 'f.whl', data, redirects: 5 }, { filename: 'g.whl', data, redirects: 6 }]);
    const r = await download(`${s.url}/redirect/5/files/f.whl`, path.join(dir, 'f.whl'), { env: NO_ENV, expectedSha256: sha256(data) });
    assert.equal(r.url, `${s.url}/files/f.whl`);
    await rejectsWith(download(`${s.url}/redirect/6/files/g.whl`, path.join(dir, 'g.whl'), { env: NO_ENV }), 'E_NETWORK', /redirected more than 5 times/);
  });

  it('refuses an https → http redirect', async () => {
    const plain = await serve([{ filename: 'f.whl', data }]);
    const server = https.createServer(TLS, (_req, res) => { res.writeHead(302, { location: `${plain.url}/files/f.whl` }); res.end(); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as { port: number }).port;
      await rejectsWith(httpGet(`https://127.0.0.1:${port}/x`, { env: NO_ENV, strictSSL: false }), 'E_NETWORK', /redirected to the insecure .*refused/);
    } finally {
      server.close();
    }
  });

  it('says which URL answered which status', async () => {
    const s = await serve([]);
    const e = await rejectsWith(httpGet(`${s.url}/files/nope.whl`, { env: NO_ENV }), 'E_NETWORK', /\/files\/nope\.whl answered HTTP 404/);
    assert.ok(e instanceof HttpError);
    assert.equal(e.status, 404);
  });

  it('checks TLS certificates unless strictSSL is false', async () => {
    const s = await serve([{ filename: 'f.whl', data }], true);
    await rejectsWith(httpGet(`${s.url}/files/f.whl`, { env: NO_ENV }), 'E_NETWORK', /cannot reach .*(self.signed|certificate)/i);
    const r = await httpGet(`${s.url}/files/f.whl`, { env: NO_ENV, strictSSL: false });
    assert.equal(r.body.length, data.length);
  });

  it('sends http requests to a proxy as absolute URIs, with its credentials', async () => {
    const s = await serve([{ filename: 'f.whl', data }]);
    const proxy = await startProxy({ auth: 'me:s3cret' });
    servers.push(proxy);
    const proxyUrl = proxy.url.replace('http://', 'http://me:s3cret@');
    await download(`${s.url}/files/f.whl`, path.join(dir, 'f.whl'), { env: NO_ENV, proxy: proxyUrl, expectedSha256: sha256(data) });
    assert.deepEqual(proxy.requests, [`GET ${s.url}/files/f.whl`]);
    await rejectsWith(httpGet(`${s.url}/files/f.whl`, { env: NO_ENV, proxy: proxy.url }), 'E_NETWORK', /HTTP 407/);
  });

  it('tunnels https through a proxy with CONNECT', async () => {
    const s = await serve([{ filename: 'f.whl', data }], true);
    const proxy = await startProxy();
    servers.push(proxy);
    const r = await download(`${s.url}/files/f.whl`, path.join(dir, 'f.whl'), { env: NO_ENV, proxy: proxy.url, strictSSL: false, expectedSha256: sha256(data) });
    assert.equal(r.bytes, data.length);
    assert.deepEqual(proxy.requests, [`CONNECT ${new URL(s.url).host}`]);
  });

  it('takes the proxy from HTTP_PROXY / HTTPS_PROXY unless NO_PROXY excludes the host', async () => {
    const s = await serve([{ filename: 'f.whl', data }]);
    const proxy = await startProxy();
    servers.push(proxy);
    await httpGet(`${s.url}/files/f.whl`, { env: { HTTP_PROXY: proxy.url } });
    assert.equal(proxy.requests.length, 1);
    await httpGet(`${s.url}/files/f.whl`, { env: { http_proxy: proxy.url, NO_PROXY: 'example.com,127.0.0.1' } });
    assert.equal(proxy.requests.length, 1);
    const target = new URL('https://files.pythonhosted.org/x');
    assert.equal(proxyFor(target, { env: { HTTPS_PROXY: 'proxy.corp:3128' } })?.toString(), 'http://proxy.corp:3128/');
    assert.equal(proxyFor(target, { env: { HTTP_PROXY: 'http://p:1' } })?.host, 'p:1');
    assert.equal(proxyFor(target, { env: { HTTPS_PROXY: 'http://p:1', NO_PROXY: '.pythonhosted.org' } }), undefined);
    assert.equal(proxyFor(target, { proxy: 'http://q:2', env: { NO_PROXY: '*' } })?.host, 'q:2');
    assert.ok(bypassesProxy(new URL('http://a.b.example.com:8080/'), 'example.com'));
    assert.ok(!bypassesProxy(new URL('http://notexample.com/'), 'example.com'));
    assert.ok(!bypassesProxy(new URL('http://example.com:8080/'), 'example.com:9090'));
    assert.ok(bypassesProxy(new URL('http://[::1]:8080/'), '::1'));
  });

  it('says an unreachable host is unreachable, and times out a silent one', async () => {
    const server = http.createServer(() => { /* never answers */ });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      await rejectsWith(httpGet(`http://127.0.0.1:${port}/x`, { env: NO_ENV, timeoutMs: 200 }), 'E_NETWORK', /did not answer within/);
    } finally {
      server.closeAllConnections();
      server.close();
    }
    await rejectsWith(httpGet(`http://127.0.0.1:${port}/x`, { env: NO_ENV }), 'E_NETWORK', new RegExp(`cannot reach http://127.0.0.1:${port}/x: .*ECONNREFUSED`));
  });
});
