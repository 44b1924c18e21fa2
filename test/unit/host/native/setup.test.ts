/**
 * setUpNative end to end against a local package index serving a small wheel-like zip: the
 * install layout and records, every failure leaving nothing but failed.json, cancellation leaving
 * nothing at all, the lock, the shared-cache shortcut, and the real child-process probe failing on
 * fake libraries with the loader's own message.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  NATIVE_TARGET, nativeInstallDir, nativeState, probeNativeInChild, setUpNative,
  type NativeInstall, type SetupOptions, type SetupProgress,
} from '../../../../src/host/native/setup';
import { sameBytes, listFiles, makeZip, PROBE_SCRIPT, sha256, startIndex, startProxy, tmpDir, u8, type IndexFile, type Served, rejectsWith } from './helpers';

const WHEEL = `tensorflow_cpu-${NATIVE_TARGET.tensorflow}-cp311-cp311-${NATIVE_TARGET.platformTag}.whl`;
const CC = u8(Buffer.from('fake libtensorflow_cc '.repeat(5000)));
const FW = u8(Buffer.from('fake libtensorflow_framework '.repeat(3000)));
const ADDON = u8(Buffer.from('fake addon'));
const REAL_ADDON = path.resolve(__dirname, '..', '..', '..', '..', 'node_modules', '@tensorflow', 'tfjs-node', 'lib', 'napi-v8', 'tfjs_binding.node');
const linuxX64 = process.platform === 'linux' && process.arch === 'x64';

function wheel(opts: { omit?: string; badCrc?: string } = {}): Uint8Array {
  const entries = [
    { name: 'tensorflow/__init__.py', data: u8(Buffer.from('# tf')) },
    { name: 'tensorflow/libtensorflow_cc.so.2', data: CC },
    { name: 'tensorflow/libtensorflow_framework.so.2', data: FW, method: 0 as const },
    { name: `tensorflow_cpu-${NATIVE_TARGET.tensorflow}.dist-info/RECORD`, data: u8(Buffer.from('...')) },
  ].filter((e) => e.name !== opts.omit).map((e) => ({ ...e, badCrc: e.name === opts.badCrc }));
  return u8(makeZip(entries));
}

describe('native set-up: setUpNative', function () {
  if (!linuxX64) {
    it('reports other platforms as unsupported', async () => {
      const state = await nativeState(tmpDir('cnnlab-native-'));
      assert.equal(state.status, 'unsupported');
    });
    return;
  }
  const servers: Served[] = [];
  let root: string;
  let home: string;
  let addonSource: string;
  beforeEach(() => {
    root = tmpDir('cnnlab-native-');
    home = path.join(root, 'home');
    addonSource = path.join(root, 'tfjs_binding.node');
    fs.writeFileSync(addonSource, ADDON);
  });
  afterEach(async () => {
    fs.rmSync(root, { recursive: true, force: true });
    for (const s of servers.splice(0)) await s.close();
  });
  const index = async (file: Partial<IndexFile> = {}): Promise<Served> => {
    const data = file.data ?? wheel();
    const s = await startIndex({ files: [{ filename: WHEEL, ...file, data }] });
    servers.push(s);
    return s;
  };
  const checks: NativeInstall[] = [];
  const okCheck = async (install: NativeInstall): Promise<{ tensorflow: string }> => {
    checks.push(install);
    assert.ok(fs.existsSync(install.addon), 'the addon is in place when checked');
    assert.ok(fs.existsSync(path.join(install.libDir, 'libtensorflow_cc.so.2')));
    return { tensorflow: NATIVE_TARGET.tensorflow };
  };
  const opts = (s: Served, more: Partial<SetupOptions> = {}): SetupOptions => ({ home, addonSource, indexUrl: s.url, check: okCheck, env: {}, ...more });
  /** After a failure: nothing in home but failed.json (and the lock-free, empty downloads folder). */
  const onlyFailed = (): void => assert.deepEqual(listFiles(home), ['failed.json']);

  beforeEach(() => { checks.length = 0; });

  it('downloads, unpacks, checks and records an install; nativeState then says ready', async () => {
    const s = await index();
    assert.equal((await nativeState(home)).status, 'missing');
    const progress: SetupProgress[] = [];
    const install = await setUpNative(opts(s, { onProgress: (p) => progress.push(p) }));
    const dir = nativeInstallDir(home);
    assert.equal(path.basename(dir), 'tfjs-node-4.22.0-tf-2.21.0-napi-v8-linux-x64');
    assert.deepEqual(install, {
      dir, addon: path.join(dir, 'lib', 'napi-v8', 'tfjs_binding.node'), libDir: path.join(dir, 'deps', 'lib'), tensorflow: '2.21.0',
      setUpAt: install.setUpAt, source: `wheel ${s.url}/files/${WHEEL}`, bytes: CC.length + FW.length + ADDON.length,
    });
    assert.deepEqual(listFiles(home), [
      path.join(path.basename(dir), 'deps', 'lib', 'libtensorflow_cc.so.2'),
      path.join(path.basename(dir), 'deps', 'lib', 'libtensorflow_framework.so.2'),
      path.join(path.basename(dir), 'lib', 'napi-v8', 'tfjs_binding.node'),
      path.join(path.basename(dir), 'ready.json'),
    ]);
    assert.ok(sameBytes(u8(fs.readFileSync(path.join(install.libDir, 'libtensorflow_cc.so.2'))), CC));
    const ready = JSON.parse(fs.readFileSync(path.join(dir, 'ready.json'), 'utf8')) as { wheel: { sha256: string }; files: Record<string, number> };
    assert.equal(ready.wheel.sha256, sha256(wheel()));
    assert.equal(ready.files[path.join('deps', 'lib', 'libtensorflow_framework.so.2')], FW.length);
    assert.equal(checks.length, 1);
    assert.match(checks[0]?.dir ?? '', /\.tmp-\d+$/, 'checked before being moved into place');
    assert.deepEqual([...new Set(progress.map((p) => p.step))], ['resolve', 'download', 'extract', 'check']);
    const state = await nativeState(home);
    assert.equal(state.status, 'ready');
    assert.deepEqual(state.status === 'ready' && state.install, install);
    // A second call finds it and does nothing.
    assert.deepEqual(await setUpNative(opts(s)), install);
    assert.equal(checks.length, 1);
    // Damage is noticed cheaply.
    fs.appendFileSync(path.join(install.libDir, 'libtensorflow_cc.so.2'), 'x');
    const after = await nativeState(home);
    assert.equal(after.status, 'missing');
    assert.match(after.status === 'missing' ? after.reason : '', /libtensorflow_cc\.so\.2 .* changed size/);
  });

  it('reads a simple index and follows the download\'s redirects', async () => {
    const s = await index({ redirects: 2 });
    const install = await setUpNative(opts(s, { indexUrl: `${s.url}/simple/` }));
    assert.equal(install.source, `wheel ${s.url}/files/${WHEEL}`);
    assert.deepEqual(s.requests, ['/simple/tensorflow-cpu/', `/redirect/2/files/${WHEEL}`, `/redirect/1/files/${WHEEL}`, `/files/${WHEEL}`]);
  });

  it('goes through the configured proxy', async () => {
    const s = await index();
    const proxy = await startProxy();
    servers.push(proxy);
    await setUpNative(opts(s, { proxy: proxy.url }));
    assert.deepEqual(proxy.requests, [`GET ${s.url}/pypi/tensorflow-cpu/2.21.0/json`, `GET ${s.url}/files/${WHEEL}`]);
  });

  it('a corrupt download fails the SHA-256 check, leaves nothing but failed.json, and a later success clears it', async () => {
    const good = wheel();
    const bad = Uint8Array.from(good);
    for (let i = 100; i < 110; i++) bad[i] = (bad[i] ?? 0) ^ 0xff;
    const s = await index({ data: good, served: bad });
    const e = await rejectsWith(setUpNative(opts(s)), 'E_CHECKSUM', new RegExp(`SHA-256 ${sha256(bad)}, expected ${sha256(good)}`));
    onlyFailed();
    const state = await nativeState(home);
    assert.equal(state.status, 'failed');
    assert.equal(state.status === 'failed' && state.reason, e.message);
    const ok = await index();
    await setUpNative(opts(ok));
    assert.equal((await nativeState(home)).status, 'ready');
    assert.ok(!fs.existsSync(path.join(home, 'failed.json')));
  });

  it('a wrong SHA-256 in the index fails the same way', async () => {
    const s = await index({ sha256: 'f'.repeat(64) });
    await rejectsWith(setUpNative(opts(s)), 'E_CHECKSUM', /expected f{64}/);
    onlyFailed();
  });

  it('a truncated download fails', async () => {
    const s = await index({ truncateAt: 5_000 });
    await rejectsWith(setUpNative(opts(s)), 'E_NETWORK', /cut short/);
    onlyFailed();
  });

  it('cancelling mid-download throws E_CANCELLED and leaves the state missing', async () => {
    const s = await index({ trickleMs: 2 });
    const ac = new AbortController();
    const p = setUpNative(opts(s, { signal: ac.signal, onProgress: (pr) => { if (pr.step === 'download' && (pr.bytes ?? 0) > 0) ac.abort(); } }));
    await rejectsWith(p, 'E_CANCELLED', /cancelled/);
    assert.deepEqual(listFiles(home), []);
    assert.equal((await nativeState(home)).status, 'missing');
  });

  it('cancelling during the check throws E_CANCELLED without failed.json', async () => {
    const s = await index();
    const ac = new AbortController();
    const check = (): Promise<{ tensorflow: string }> => { ac.abort(); return new Promise(() => { /* a probe that hangs */ }); };
    await rejectsWith(setUpNative(opts(s, { signal: ac.signal, check })), 'E_CANCELLED', /cancelled/);
    assert.deepEqual(listFiles(home), []);
    assert.equal((await nativeState(home)).status, 'missing');
  });

  it('an index without a wheel for this platform fails with a clear reason', async () => {
    const s = await startIndex({ files: [{ filename: WHEEL.replace('cp311-cp311', 'cp39-cp39'), data: wheel() }] });
    servers.push(s);
    await rejectsWith(setUpNative(opts(s)), 'E_BACKEND_UNAVAILABLE', /no tensorflow-cpu 2\.21\.0 wheel for cp311/);
    onlyFailed();
  });

  it('a wheel missing a library fails', async () => {
    const s = await index({ data: wheel({ omit: 'tensorflow/libtensorflow_framework.so.2' }) });
    await rejectsWith(setUpNative(opts(s)), 'E_IO', /has no tensorflow\/libtensorflow_framework\.so\.2/);
    onlyFailed();
  });

  it('a wheel entry with a wrong CRC fails', async () => {
    const s = await index({ data: wheel({ badCrc: 'tensorflow/libtensorflow_cc.so.2' }) });
    await rejectsWith(setUpNative(opts(s)), 'E_CHECKSUM', /libtensorflow_cc\.so\.2 is corrupt \(CRC-32/);
    onlyFailed();
  });

  it('fake libraries fail the real probe with the loader\'s reason', async function () {
    const s = await index();
    if (fs.existsSync(REAL_ADDON)) fs.copyFileSync(REAL_ADDON, addonSource);
    const check = (install: NativeInstall): Promise<{ tensorflow: string }> =>
      probeNativeInChild(install, { execPath: process.execPath, script: PROBE_SCRIPT, timeoutMs: 20_000 });
    await rejectsWith(setUpNative(opts(s, { check })), 'E_BACKEND_UNAVAILABLE', /does not load: .*(invalid ELF header|file too short|not a dynamic executable)/);
    onlyFailed();
    const state = await nativeState(home);
    assert.equal(state.status, 'failed');
    assert.match(state.status === 'failed' ? state.reason : '', /libtensorflow|tfjs_binding|ELF/);
  });

  it('two set-ups at once: the second waits for the lock and finds the first one\'s install', async () => {
    const s = await index({ trickleMs: 0 });
    const waited: string[] = [];
    const [a, b] = await Promise.all([
      setUpNative(opts(s, { lockPollMs: 20 })),
      setUpNative(opts(s, { lockPollMs: 20, onProgress: (p) => { if (/waiting for another/.test(p.message)) waited.push(p.message); } })),
    ]);
    assert.deepEqual(a, b);
    assert.equal(checks.length, 1);
    assert.equal(waited.length, 1);
    assert.equal(s.requests.filter((r) => r.startsWith('/files/')).length, 1);
  });

  it('takes over a stale lock left by a dead process, and sweeps its leftovers', async () => {
    const s = await index();
    fs.mkdirSync(path.join(home, '.lock'), { recursive: true });
    fs.writeFileSync(path.join(home, '.lock', 'pid'), '999999999');
    const old = new Date(Date.now() - 10_000);
    fs.utimesSync(path.join(home, '.lock'), old, old);
    fs.mkdirSync(`${nativeInstallDir(home)}.tmp-999999999`, { recursive: true });
    fs.mkdirSync(path.join(home, 'downloads'));
    fs.writeFileSync(path.join(home, 'downloads', `${WHEEL}.part`), 'half');
    await setUpNative(opts(s, { lockPollMs: 20 }));
    assert.ok(!fs.existsSync(path.join(home, '.lock')));
    assert.ok(!fs.existsSync(`${nativeInstallDir(home)}.tmp-999999999`));
    assert.deepEqual(fs.readdirSync(path.join(home, 'downloads')), []);
  });

  it('links the libraries from a shared provision cache without any HTTP', async () => {
    const shared = path.join(root, 'cache');
    const libs = path.join(shared, `libtensorflow-${NATIVE_TARGET.tensorflow}-linux-x64`, 'lib');
    fs.mkdirSync(libs, { recursive: true });
    fs.writeFileSync(path.join(libs, 'libtensorflow_cc.so.2'), CC);
    fs.writeFileSync(path.join(libs, 'libtensorflow_framework.so.2'), FW);
    fs.writeFileSync(path.join(libs, '..', 'staged.json'), JSON.stringify({ tf: NATIVE_TARGET.tensorflow }));
    const install = await setUpNative({ home, addonSource, sharedCache: shared, indexUrl: 'http://127.0.0.1:1', check: okCheck, env: {} });
    assert.equal(install.source, `shared cache ${path.dirname(libs)}`);
    assert.equal(fs.statSync(path.join(install.libDir, 'libtensorflow_cc.so.2')).ino, fs.statSync(path.join(libs, 'libtensorflow_cc.so.2')).ino);
    assert.ok(!fs.existsSync(path.join(home, 'downloads')));
  });

  it('an incomplete shared cache is ignored', async () => {
    const s = await index();
    const shared = path.join(root, 'cache');
    fs.mkdirSync(path.join(shared, `libtensorflow-${NATIVE_TARGET.tensorflow}-linux-x64`, 'lib'), { recursive: true });
    const install = await setUpNative(opts(s, { sharedCache: shared }));
    assert.match(install.source, /^wheel /);
  });

  it('a missing addon fails before downloading', async () => {
    const s = await index();
    await rejectsWith(setUpNative(opts(s, { addonSource: path.join(root, 'nope.node') })), 'E_BACKEND_UNAVAILABLE', /nope\.node is missing/);
    assert.deepEqual(s.requests, []);
  });
});

describe('native set-up: probeNativeInChild', () => {
  let root: string;
  beforeEach(() => { root = tmpDir('cnnlab-probe-'); });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));
  const install = (addon: string): NativeInstall => ({ dir: root, addon, libDir: root, tensorflow: '2.21.0', setUpAt: '', source: 'test', bytes: 0 });
  const script = (body: string): string => {
    const p = path.join(root, 'probe.js');
    fs.writeFileSync(p, body);
    return p;
  };

  it('passes the addon path, the args and reads the JSON answer among other output', async () => {
    const p = script(`console.log('noise'); console.log(JSON.stringify({ ok: true, tensorflow: process.env.CNN_LAB_NATIVE_ADDON + ' ' + process.argv.slice(2).join(',') }));`);
    assert.deepEqual(await probeNativeInChild(install('/x/addon.node'), { execPath: process.execPath, script: p }), { tensorflow: '/x/addon.node --probe-native' });
  });

  it('rejects with the probe\'s error', async () => {
    const p = script(`console.log(JSON.stringify({ ok: false, error: 'conv2d gradient is wrong' }));`);
    await assert.rejects(probeNativeInChild(install('x'), { execPath: process.execPath, script: p }), /conv2d gradient is wrong/);
  });

  it('turns a crash into its stderr line and exit', async () => {
    const p = script(`process.stderr.write('Error: libtensorflow_cc.so.2: cannot open shared object file\\n'); process.exit(3);`);
    await assert.rejects(probeNativeInChild(install('x'), { execPath: process.execPath, script: p }),
      /the probe exited with code 3 without an answer: Error: libtensorflow_cc\.so\.2: cannot open shared object file/);
    const q = script(`process.kill(process.pid, 'SIGSEGV');`);
    await assert.rejects(probeNativeInChild(install('x'), { execPath: process.execPath, script: q }), /killed by SIGSEGV/);
  });

  it('kills a probe that does not answer in time', async () => {
    const p = script('setInterval(() => {}, 1000);');
    const t0 = Date.now();
    await assert.rejects(probeNativeInChild(install('x'), { execPath: process.execPath, script: p, timeoutMs: 300 }), /did not answer within/);
    assert.ok(Date.now() - t0 < 3000);
  });

  it('runs the real probe script: a missing addon is reported by the loader', async () => {
    await assert.rejects(probeNativeInChild(install(path.join(root, 'none.node')), { execPath: process.execPath, script: PROBE_SCRIPT }), /Cannot find module/);
  });
});
