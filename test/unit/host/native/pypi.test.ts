import { strict as assert } from 'node:assert';
import * as http from 'node:http';
import { parseSimpleHtml, resolveWheel, wheelMatches } from '../../../../src/host/native/pypi';
import { sha256, startIndex, u8, type IndexServerOptions, type Served, rejectsWith } from './helpers';

const WHEEL = 'tensorflow_cpu-2.21.0-cp311-cp311-manylinux_2_27_x86_64.whl';
const OTHERS = ['tensorflow_cpu-2.21.0-cp312-cp312-manylinux_2_27_x86_64.whl', 'tensorflow_cpu-2.21.0-cp311-cp311-win_amd64.whl'];
const TARGET = { project: 'tensorflow-cpu', version: '2.21.0', platformTag: 'manylinux_2_27_x86_64', pythonTag: 'cp311', env: {} };

describe('native set-up: package index', () => {
  const data = u8(Buffer.from('a wheel'));
  const servers: Served[] = [];
  afterEach(async () => { for (const s of servers.splice(0)) await s.close(); });
  const index = async (o: Partial<IndexServerOptions> = {}): Promise<Served> => {
    const s = await startIndex({ files: [...OTHERS, WHEEL].map((filename) => ({ filename, data })), ...o });
    servers.push(s);
    return s;
  };

  it('matches wheel names by project, version, Python and platform tag (legacy manylinux aliases too)', () => {
    assert.ok(wheelMatches(WHEEL, TARGET));
    assert.ok(!wheelMatches(OTHERS[0] as string, TARGET));
    assert.ok(!wheelMatches('tensorflow_cpu-2.21.0rc1-cp311-cp311-manylinux_2_27_x86_64.whl', TARGET));
    assert.ok(!wheelMatches('tensorflow-2.21.0-cp311-cp311-manylinux_2_27_x86_64.whl', TARGET));
    const legacy = 'tensorflow_cpu-2.21.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl';
    assert.ok(wheelMatches(legacy, { ...TARGET, platformTag: 'manylinux2014_x86_64' }));
    assert.ok(wheelMatches(legacy, { ...TARGET, platformTag: 'manylinux_2_17_x86_64' }));
    assert.ok(wheelMatches('Tensorflow.CPU-2.21.0-1-py3.cp311-none-manylinux_2_27_x86_64.whl', TARGET));
  });

  it('uses PyPI\'s JSON API and skips sdists and other platforms', async () => {
    const s = await index();
    const w = await resolveWheel({ ...TARGET, indexUrl: s.url });
    assert.deepEqual(w, { filename: WHEEL, url: `${s.url}/files/${WHEEL}`, sha256: sha256(data), size: data.length });
    assert.deepEqual(s.requests, ['/pypi/tensorflow-cpu/2.21.0/json']);
  });

  it('falls back to the project document when the version document is missing, resolving relative URLs', async () => {
    const s = await index({ onlyProjectJson: true });
    const w = await resolveWheel({ ...TARGET, indexUrl: `${s.url}/` });
    assert.equal(w.url, `${s.url}/files/${WHEEL}`);
    assert.deepEqual(s.requests, ['/pypi/tensorflow-cpu/2.21.0/json', '/pypi/tensorflow-cpu/json']);
  });

  it('reads a PEP 691 JSON simple index', async () => {
    const s = await index();
    const w = await resolveWheel({ ...TARGET, indexUrl: `${s.url}/simple` });
    assert.deepEqual(w, { filename: WHEEL, url: `${s.url}/files/${WHEEL}`, sha256: sha256(data), size: data.length });
    assert.deepEqual(s.requests, ['/simple/tensorflow-cpu/']);
  });

  it('reads a PEP 503 HTML simple index, hashes from the #sha256 fragment', async () => {
    const s = await index({ simpleHtmlOnly: true });
    const w = await resolveWheel({ ...TARGET, project: 'TensorFlow_CPU', indexUrl: `${s.url}/simple/` });
    assert.deepEqual(w, { filename: WHEEL, url: `${s.url}/files/${WHEEL}`, sha256: sha256(data) });
  });

  it('parses anchors with entities, single quotes and a base element', () => {
    const html = `<html><head><base href="https://files.example/pkgs/"></head><body>
      <a href='tensorflow_cpu-2.21.0-cp311-cp311-manylinux_2_27_x86_64.whl?a=1&amp;b=2#sha256=${'ab'.repeat(32)}' data-yanked="">${WHEEL}</a>
      <a href="/other/x.tar.gz">x.tar.gz</a></body></html>`;
    const c = parseSimpleHtml(html, 'https://mirror.example/simple/tensorflow-cpu/');
    assert.deepEqual(c[0], { filename: WHEEL, url: `https://files.example/pkgs/${WHEEL}?a=1&b=2`, sha256: 'ab'.repeat(32) });
    assert.equal(c[1]?.url, 'https://files.example/other/x.tar.gz');
  });

  it('says when there is no wheel for this platform, listing what there is', async () => {
    const s = await startIndex({ files: OTHERS.map((filename) => ({ filename, data })) });
    servers.push(s);
    await rejectsWith(resolveWheel({ ...TARGET, indexUrl: s.url }), 'E_BACKEND_UNAVAILABLE',
      /no tensorflow-cpu 2\.21\.0 wheel for cp311 manylinux_2_27_x86_64; it has tensorflow_cpu-2\.21\.0-cp312/);
  });

  it('says when the index answers something that is not JSON', async () => {
    const s = await index({ badJson: true });
    await rejectsWith(resolveWheel({ ...TARGET, indexUrl: s.url }), 'E_NETWORK', /did not answer JSON/);
  });

  it('names the unreachable index URL and its status', async () => {
    const server = http.createServer((_req, res) => { res.writeHead(503, 'Service Unavailable'); res.end(); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      await rejectsWith(resolveWheel({ ...TARGET, indexUrl: `http://127.0.0.1:${port}` }), 'E_NETWORK',
        new RegExp(`unreachable: http://127.0.0.1:${port}/pypi/tensorflow-cpu/2.21.0/json answered HTTP 503`));
      await rejectsWith(resolveWheel({ ...TARGET, indexUrl: `http://127.0.0.1:${port}/simple` }), 'E_NETWORK',
        new RegExp(`unreachable: http://127.0.0.1:${port}/simple/tensorflow-cpu/ answered HTTP 503`));
    } finally {
      server.close();
    }
    await rejectsWith(resolveWheel({ ...TARGET, indexUrl: `http://127.0.0.1:${port}` }), 'E_NETWORK', /unreachable: cannot reach .*ECONNREFUSED/);
  });

  it('refuses a wheel listed without a SHA-256', async () => {
    const html = `<a href="/f/${WHEEL}">${WHEEL}</a>`;
    const server = http.createServer((_req, res) => { res.writeHead(200, { 'content-type': 'text/html' }); res.end(html); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      await rejectsWith(resolveWheel({ ...TARGET, indexUrl: `http://127.0.0.1:${(server.address() as { port: number }).port}/simple` }), 'E_CHECKSUM', /without a SHA-256/);
    } finally {
      server.close();
    }
  });
});
