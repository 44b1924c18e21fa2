import { strict as assert } from 'node:assert';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CnnLabError } from '../../../src/shared/errors';
import { DownloadFailedError, downloadVerified, type RemoteFile } from '../../../src/trainer/data/download';
import type { DataProgress } from '../../../src/trainer/data/types';
import { gzipSync } from 'node:zlib';
import { asBytes } from '../../../src/shared/bytes';
import { bytesRoute, closedPortUrl, gunzip, readBytes, sha256Hex, startServer, tempDir, type TestServer } from './helpers';

/** 300 kB of pseudo-random bytes, so it arrives in several chunks. */
function payload(): Uint8Array {
  const b = new Uint8Array(300_000);
  let x = 12345;
  for (let i = 0; i < b.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

describe('data/download', () => {
  const body = payload();
  const file: RemoteFile = { name: 'blob.bin', sha256: sha256Hex(body), size: body.length };
  const corrupt = body.slice();
  corrupt[1000] = (corrupt[1000] ?? 0) ^ 0xff;
  let server: TestServer;

  before(async () => {
    server = await startServer({
      '/good/blob.bin': bytesRoute(body),
      '/corrupt/blob.bin': bytesRoute(corrupt),
      '/short/blob.bin': bytesRoute(body.subarray(0, 200_000)),
      // Sends headers and the first bytes, then stalls without closing.
      '/stall/blob.bin': (_req, res) => {
        res.setHeader('content-length', body.length);
        res.write(body.subarray(0, 1000));
      },
    });
  });
  after(async () => server.close());

  async function inCache<T>(fn: (dir: string) => Promise<T>): Promise<T> {
    const dir = await tempDir('dl');
    try {
      return await fn(dir.path);
    } finally {
      await dir.remove();
    }
  }

  it('downloads over HTTP into the cache, verified, reporting progress by bytes', () => inCache(async (dir) => {
    const progress: DataProgress[] = [];
    const path = await downloadVerified(file, { cacheDir: dir, mirrors: [`${server.base}/good`], onProgress: (p) => progress.push(p) });
    assert.equal(path, join(dir, 'blob.bin'));
    assert.equal(sha256Hex(await readBytes(path)), file.sha256);
    const fractions = progress.filter((p) => p.task === 'Downloading blob.bin').map((p) => p.fraction ?? -1);
    assert.ok(fractions.length >= 2, 'at least a start and an end report');
    assert.equal(fractions[0], 0);
    assert.equal(fractions.at(-1), 1);
    for (let i = 1; i < fractions.length; i++) assert.ok((fractions[i] ?? 0) >= (fractions[i - 1] ?? 0), 'progress never goes back');
    assert.deepEqual(await readdir(dir), ['blob.bin'], 'no temporary files remain');
  }));

  it('detects a corrupt download, deletes it and uses the next mirror', () => inCache(async (dir) => {
    const progress: DataProgress[] = [];
    const before = server.hits.get('/good/blob.bin') ?? 0;
    const path = await downloadVerified(file, {
      cacheDir: dir,
      mirrors: [`${server.base}/corrupt/`, `${server.base}/short`, `${server.base}/good`],
      onProgress: (p) => progress.push(p),
    });
    assert.equal(sha256Hex(await readBytes(path)), file.sha256);
    assert.equal(server.hits.get('/good/blob.bin'), before + 1);
    const failures = progress.filter((p) => p.task === 'Mirror failed for blob.bin').map((p) => p.detail ?? '');
    assert.equal(failures.length, 2);
    assert.match(failures[0] ?? '', /\/corrupt\/blob\.bin: SHA-256 mismatch/);
    assert.match(failures[1] ?? '', /\/short\/blob\.bin: truncated: 200000 of 300000 bytes/);
    assert.deepEqual(await readdir(dir), ['blob.bin']);
  }));

  it('fails with E_CHECKSUM and leaves nothing behind when every mirror serves bad bytes', () => inCache(async (dir) => {
    await assert.rejects(
      downloadVerified(file, { cacheDir: dir, mirrors: [`${server.base}/corrupt`, `${server.base}/missing`] }),
      (err: unknown) => {
        assert.ok(err instanceof DownloadFailedError);
        assert.equal(err.code, 'E_CHECKSUM');
        assert.deepEqual(err.attempts.map((a) => a.failure), ['checksum', 'http']);
        assert.match(err.attempts[1]?.detail ?? '', /HTTP 404/);
        assert.equal(err.noMirrorReachable, false);
        assert.ok(err.hint?.includes(dir), 'the hint says where a manual copy goes');
        return true;
      },
    );
    assert.deepEqual(await readdir(dir), []);
  }));

  it('reports unreachable mirrors as E_DATASET_UNAVAILABLE (the offline case)', () => inCache(async (dir) => {
    const closed = await closedPortUrl();
    await assert.rejects(downloadVerified(file, { cacheDir: dir, mirrors: [closed, closed] }), (err: unknown) => {
      assert.ok(err instanceof DownloadFailedError);
      assert.equal(err.code, 'E_DATASET_UNAVAILABLE');
      assert.ok(err.noMirrorReachable);
      assert.match(err.message, /ECONNREFUSED/);
      return true;
    });
  }));

  it('abandons a stalled mirror after the timeout and moves on', () => inCache(async (dir) => {
    const started = Date.now();
    const path = await downloadVerified(file, { cacheDir: dir, mirrors: [`${server.base}/stall`, `${server.base}/good`], timeoutMs: 300 });
    assert.equal(sha256Hex(await readBytes(path)), file.sha256);
    assert.ok(Date.now() - started >= 300, 'waited for the stall timeout');
  }));

  it('re-verifies cached files: a good one is used without a request, a damaged one is fetched again', () => inCache(async (dir) => {
    await downloadVerified(file, { cacheDir: dir, mirrors: [`${server.base}/good`] });
    const hits = server.hits.get('/good/blob.bin') ?? 0;
    await downloadVerified(file, { cacheDir: dir, mirrors: [`${server.base}/good`] });
    assert.equal(server.hits.get('/good/blob.bin'), hits, 'served from the cache');
    await writeFile(join(dir, 'blob.bin'), corrupt);
    const path = await downloadVerified(file, { cacheDir: dir, mirrors: [`${server.base}/good`] });
    assert.equal(server.hits.get('/good/blob.bin'), hits + 1, 'downloaded again');
    assert.equal(sha256Hex(await readBytes(path)), file.sha256);
  }));

  it('stops when the caller aborts', () => inCache(async (dir) => {
    const ctrl = new AbortController();
    const run = downloadVerified(file, { cacheDir: dir, mirrors: [`${server.base}/stall`], timeoutMs: 10_000, signal: ctrl.signal });
    setTimeout(() => ctrl.abort(new CnnLabError('E_INTERNAL', 'stopped by the user')), 100);
    await assert.rejects(run, /stopped by the user/);
    assert.deepEqual(await readdir(dir), [], 'the partial file is removed');
  }));

  describe('verified by content', () => {
    // The "published" gzip (level 9) and a mirror's re-compression of the same content (level 1):
    // different bytes, same content.
    const published = asBytes(gzipSync(body, { level: 9 }));
    const recompressed = asBytes(gzipSync(body, { level: 1 }));
    const wrongContent = asBytes(gzipSync(corrupt, { level: 1 }));
    const gzFile: RemoteFile = { name: 'blob.gz', sha256: sha256Hex(published), size: published.length, content: { sha256: sha256Hex(body), size: body.length } };
    let gzServer: TestServer;

    before(async () => {
      assert.notEqual(sha256Hex(recompressed), gzFile.sha256, 'the re-compressed bytes really differ');
      gzServer = await startServer({
        '/recompressed/blob.gz': bytesRoute(recompressed),
        '/wrong/blob.gz': bytesRoute(wrongContent),
        '/truncated/blob.gz': bytesRoute(recompressed.subarray(0, Math.floor(recompressed.length / 2))),
        '/plain/blob.gz': bytesRoute(body),
      });
    });
    after(async () => gzServer.close());

    it('accepts a re-compressed gzip whose content matches, and keeps it in the cache', () => inCache(async (dir) => {
      const path = await downloadVerified(gzFile, { cacheDir: dir, mirrors: [`${gzServer.base}/recompressed`] });
      assert.deepEqual(gunzip(await readBytes(path)), body);
      const hits = gzServer.hits.get('/recompressed/blob.gz');
      await downloadVerified(gzFile, { cacheDir: dir, mirrors: [`${gzServer.base}/recompressed`] });
      assert.equal(gzServer.hits.get('/recompressed/blob.gz'), hits, 'the cached copy verified by content');
    }));

    it('also accepts the content served uncompressed', () => inCache(async (dir) => {
      const path = await downloadVerified(gzFile, { cacheDir: dir, mirrors: [`${gzServer.base}/plain`] });
      assert.equal(sha256Hex(await readBytes(path)), sha256Hex(body));
    }));

    it('rejects wrong content and a truncated gzip stream, trying the next mirror each time', () => inCache(async (dir) => {
      const progress: DataProgress[] = [];
      const path = await downloadVerified(gzFile, {
        cacheDir: dir,
        mirrors: [`${gzServer.base}/wrong`, `${gzServer.base}/truncated`, `${gzServer.base}/recompressed`],
        onProgress: (p) => progress.push(p),
      });
      assert.deepEqual(gunzip(await readBytes(path)), body);
      const failures = progress.filter((p) => p.task === 'Mirror failed for blob.gz').map((p) => p.detail ?? '');
      assert.equal(failures.length, 2);
      assert.match(failures[0] ?? '', /\/wrong\/blob\.gz: content SHA-256 [0-9a-f]{12}… \(300000 bytes\) does not match/);
      assert.match(failures[1] ?? '', /\/truncated\/blob\.gz: gzip data is damaged or truncated/);
      assert.deepEqual(await readdir(dir), ['blob.gz'], 'no temporary files remain');
    }));

    it('fails with E_CHECKSUM when no mirror has the right content', () => inCache(async (dir) => {
      await assert.rejects(downloadVerified(gzFile, { cacheDir: dir, mirrors: [`${gzServer.base}/wrong`, `${gzServer.base}/truncated`] }), (err: unknown) => {
        assert.ok(err instanceof DownloadFailedError);
        assert.equal(err.code, 'E_CHECKSUM');
        assert.deepEqual(err.attempts.map((a) => a.failure), ['checksum', 'truncated']);
        return true;
      });
      assert.deepEqual(await readdir(dir), []);
    }));
  });
});
