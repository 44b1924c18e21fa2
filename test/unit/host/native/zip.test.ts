import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { crc32, extractMembers, listZip } from '../../../../src/host/native/zip';
import { sameBytes, listFiles, makeZip, tmpDir, u8, rejectsWith } from './helpers';

describe('native set-up: zip reader', () => {
  let dir: string;
  beforeEach(() => { dir = tmpDir('cnnlab-zip-'); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const text = u8(Buffer.from('hello, tensorflow '.repeat(2000)));
  const noise = u8(randomBytes(100_000));

  it('computes the standard CRC-32', () => {
    assert.equal(crc32(u8(Buffer.from('123456789'))), 0xcbf43926);
    assert.equal(crc32(u8(Buffer.from('6789')), crc32(u8(Buffer.from('12345')))), 0xcbf43926);
  });

  for (const zip64 of [false, true]) {
    it(`lists and extracts stored and deflated members${zip64 ? ' (zip64 records)' : ''}`, async () => {
      const zip = path.join(dir, 'a.whl');
      fs.writeFileSync(zip, u8(makeZip([
        { name: 'tensorflow/a.so', data: text },
        { name: 'tensorflow/b.so', data: noise, method: 0 },
        { name: 'tensorflow/empty', data: new Uint8Array(0), method: 0 },
        { name: 'other.txt', data: text },
      ], { zip64 })));
      const entries = await listZip(zip);
      assert.deepEqual(entries.map((e) => [e.name, e.method, e.size]), [
        ['tensorflow/a.so', 8, text.length], ['tensorflow/b.so', 0, noise.length], ['tensorflow/empty', 0, 0], ['other.txt', 8, text.length],
      ]);
      const progress: number[] = [];
      const out = await extractMembers(zip, {
        'tensorflow/a.so': path.join(dir, 'out', 'a'), 'tensorflow/b.so': path.join(dir, 'out', 'sub', 'b'), 'tensorflow/empty': path.join(dir, 'out', 'e'),
      }, { onProgress: (done, total) => { progress.push(done); assert.equal(total, text.length + noise.length); } });
      assert.deepEqual(out, { 'tensorflow/a.so': text.length, 'tensorflow/b.so': noise.length, 'tensorflow/empty': 0 });
      assert.ok(sameBytes(u8(fs.readFileSync(path.join(dir, 'out', 'a'))), text));
      assert.ok(sameBytes(u8(fs.readFileSync(path.join(dir, 'out', 'sub', 'b'))), noise));
      assert.equal(progress[progress.length - 1], text.length + noise.length);
      assert.deepEqual(listFiles(path.join(dir, 'out')), ['a', 'e', path.join('sub', 'b')]);
    });
  }

  it('names a missing member', async () => {
    const zip = path.join(dir, 'a.whl');
    fs.writeFileSync(zip, u8(makeZip([{ name: 'tensorflow/a.so', data: text }])));
    await rejectsWith(extractMembers(zip, { 'tensorflow/a.so': path.join(dir, 'a'), 'tensorflow/libtensorflow_cc.so.2': path.join(dir, 'b') }),
      'E_IO', /has no tensorflow\/libtensorflow_cc\.so\.2/);
    assert.deepEqual(listFiles(dir), ['a.whl']);
  });

  it('rejects an entry whose CRC is wrong and leaves no partial file', async () => {
    const zip = path.join(dir, 'a.whl');
    fs.writeFileSync(zip, u8(makeZip([{ name: 'x', data: text, badCrc: true }])));
    await rejectsWith(extractMembers(zip, { x: path.join(dir, 'x') }), 'E_CHECKSUM', /x is corrupt \(CRC-32 [0-9a-f]{8}, the directory says [0-9a-f]{8}\)/);
    assert.deepEqual(listFiles(dir), ['a.whl']);
  });

  it('rejects damaged deflate data', async () => {
    const zip = path.join(dir, 'a.whl');
    const bytes = makeZip([{ name: 'x', data: noise }]);
    for (let i = 40; i < 200; i++) bytes[i] = (bytes[i] ?? 0) ^ 0xff;
    fs.writeFileSync(zip, u8(bytes));
    await rejectsWith(extractMembers(zip, { x: path.join(dir, 'x') }), 'E_CHECKSUM', /x is corrupt/);
    assert.deepEqual(listFiles(dir), ['a.whl']);
  });

  it('says a truncated file is not a zip', async () => {
    const zip = path.join(dir, 'a.whl');
    fs.writeFileSync(zip, u8(makeZip([{ name: 'x', data: noise }]).subarray(0, 50_000)));
    await rejectsWith(listZip(zip), 'E_IO', /not a readable zip: no end-of-central-directory record/);
  });

  it('stops when cancelled', async () => {
    const zip = path.join(dir, 'a.whl');
    fs.writeFileSync(zip, u8(makeZip([{ name: 'x', data: noise }])));
    const ac = new AbortController();
    ac.abort();
    await rejectsWith(extractMembers(zip, { x: path.join(dir, 'x') }, { signal: ac.signal }), 'E_CANCELLED', /cancelled/);
    assert.deepEqual(listFiles(dir), ['a.whl']);
  });
});
