/**
 * The native set-up with the REAL libraries: a wheel-like zip made from the stripped
 * libtensorflow that scripts/provision-native.mjs staged (deflate, zip64 records, about 640 MB in),
 * served by a local index, unpacked next to the real tfjs-node addon and loaded by a real probe
 * child (dlopen through the addon's RUNPATH), which must report TensorFlow 2.21.0. Also the
 * shared-cache shortcut (hard links from that staging folder, no HTTP).
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  NATIVE_TARGET, nativeState, probeNativeInChild, setUpNative, type NativeInstall, type SetupProgress,
} from '../../../src/host/native/setup';
import { PROBE_SCRIPT, startIndex, tmpDir, writeZipFromFiles, type Served } from '../../unit/host/native/helpers';

const root = path.resolve(__dirname, '..', '..', '..');
const cacheRoot = path.join(process.env.CNN_LAB_CACHE
  || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'cnn-lab'), 'native');
const staged = path.join(cacheRoot, `libtensorflow-${NATIVE_TARGET.tensorflow}-linux-x64`);
const LIBS = ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2'];
const ADDON = path.join(root, 'node_modules', '@tensorflow', 'tfjs-node', 'lib', `napi-v${NATIVE_TARGET.napi}`, 'tfjs_binding.node');
const WHEEL = `tensorflow_cpu-${NATIVE_TARGET.tensorflow}-cp311-cp311-${NATIVE_TARGET.platformTag}.whl`;

function whyNot(): string | undefined {
  if (process.platform !== 'linux' || process.arch !== 'x64') return `needs linux-x64 (this is ${process.platform}-${process.arch})`;
  const missing = LIBS.map((l) => path.join(staged, 'lib', l)).filter((p) => !fs.existsSync(p));
  if (missing.length) return `no staged libtensorflow (${missing.join(', ')}); run npm run provision:native`;
  if (!fs.existsSync(ADDON)) return `no built addon ${ADDON}; run npm run provision:native`;
  return undefined;
}

const realProbe = (install: NativeInstall): Promise<{ tensorflow: string }> =>
  probeNativeInChild(install, { execPath: process.execPath, script: PROBE_SCRIPT, env: { TF_CPP_MIN_LOG_LEVEL: '3' }, timeoutMs: 120_000 });

const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

describe('native set-up with the real libtensorflow', function () {
  this.timeout(600_000);
  const reason = whyNot();
  let dir: string;
  let served: Served | undefined;
  before(function () {
    if (reason) {
      console.log(`      skipped: ${reason}`);
      this.skip();
    }
    dir = tmpDir('cnnlab-native-real-');
  });
  after(async () => {
    await served?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('downloads a wheel made of the real libraries from a local index, unpacks it and loads it: TensorFlow 2.21.0', async () => {
    const t0 = Date.now();
    const wheelPath = path.join(dir, WHEEL);
    const zip = await writeZipFromFiles(wheelPath, [
      { name: 'tensorflow/libtensorflow_framework.so.2', file: path.join(staged, 'lib', 'libtensorflow_framework.so.2') },
      { name: 'tensorflow/libtensorflow_cc.so.2', file: path.join(staged, 'lib', 'libtensorflow_cc.so.2') },
    ]);
    const built = Date.now() - t0;
    served = await startIndex({ files: [{ filename: WHEEL, data: new Uint8Array(0), fromDisk: wheelPath, size: zip.size, sha256: zip.sha256 }] });
    const home = path.join(dir, 'home');
    const marks: Partial<Record<SetupProgress['step'] | 'end', number>> = {};
    const t1 = Date.now();
    const install = await setUpNative({
      home, addonSource: ADDON, indexUrl: served.url, env: {}, check: realProbe,
      onProgress: (p) => { marks[p.step] ??= Date.now(); },
    });
    marks.end = Date.now();
    assert.equal(install.tensorflow, '2.21.0');
    assert.match(install.source, /^wheel http:\/\/127\.0\.0\.1:\d+\/files\//);
    for (const l of LIBS) assert.equal(fs.statSync(path.join(install.libDir, l)).size, fs.statSync(path.join(staged, 'lib', l)).size);
    const state = await nativeState(home);
    assert.equal(state.status, 'ready');
    assert.deepEqual(fs.readdirSync(path.join(home, 'downloads')), [], 'the wheel is deleted once set up');
    // The install loads again from its final place (the probe ran it from the temporary folder).
    assert.deepEqual(await realProbe(install), { tensorflow: '2.21.0' });
    const at = (k: keyof typeof marks): number => marks[k] ?? Number.NaN;
    console.log(`      wheel ${(zip.size / 1024 / 1024).toFixed(0)} MB (deflate level 1) built in ${secs(built)}; set-up ${secs(at('end') - t1)}:`
      + ` resolve ${secs(at('download') - at('resolve'))}, download ${secs(at('extract') - at('download'))}, extract ${secs(at('check') - at('extract'))},`
      + ` check + record ${secs(at('end') - at('check'))}`);
  });

  it('links the libraries from the shared provision cache (no HTTP) and loads them', async () => {
    const home = path.join(dir, 'home-shared');
    const t0 = Date.now();
    const install = await setUpNative({ home, addonSource: ADDON, sharedCache: cacheRoot, indexUrl: 'http://127.0.0.1:1', env: {}, check: realProbe });
    assert.equal(install.tensorflow, '2.21.0');
    assert.equal(install.source, `shared cache ${staged}`);
    const st = fs.statSync(path.join(install.libDir, 'libtensorflow_cc.so.2'));
    const src = fs.statSync(path.join(staged, 'lib', 'libtensorflow_cc.so.2'));
    if (st.dev === src.dev) assert.equal(st.ino, src.ino, 'hard-linked on the same file system');
    console.log(`      shared-cache set-up in ${secs(Date.now() - t0)}`);
  });
});
