/**
 * One native set-up per machine: the extension's install is recorded in the shared cache, and a
 * CLI whose checkout has no addon of its own finds it there.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NATIVE_TARGET, setUpNative, type NativeInstall } from '../../../../src/host/native/setup';
import { nativeEnvForTrainer, recordSharedInstall, sharedInstall, sharedNativeDir, SHARED_POINTER } from '../../../../src/host/native/shared';
import { tmpDir } from './helpers';

describe('native set-up shared by the extension and the CLI', () => {
  let root: string;
  let env: NodeJS.ProcessEnv;
  let home: string;
  let install: NativeInstall;

  beforeEach(async () => {
    root = tmpDir('cnnlab-shared-');
    env = { CNN_LAB_CACHE: path.join(root, 'cache') };
    home = path.join(root, 'globalStorage', 'native');
    // A real install (files, ready.json) made from a staged shared cache, as setUpNative makes it.
    const libs = path.join(sharedNativeDir(env), `libtensorflow-${NATIVE_TARGET.tensorflow}-linux-x64`, 'lib');
    fs.mkdirSync(libs, { recursive: true });
    fs.writeFileSync(path.join(libs, 'libtensorflow_cc.so.2'), 'cc');
    fs.writeFileSync(path.join(libs, 'libtensorflow_framework.so.2'), 'fw');
    fs.writeFileSync(path.join(libs, '..', 'staged.json'), JSON.stringify({ tf: NATIVE_TARGET.tensorflow }));
    const addonSource = path.join(root, 'tfjs_binding.node');
    fs.writeFileSync(addonSource, 'addon');
    install = await setUpNative({
      home, addonSource, sharedCache: sharedNativeDir(env), indexUrl: 'http://127.0.0.1:1', env: {},
      check: async () => ({ tensorflow: NATIVE_TARGET.tensorflow }),
    });
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('the shared cache follows CNN_LAB_CACHE, then XDG_CACHE_HOME', () => {
    assert.equal(sharedNativeDir({ CNN_LAB_CACHE: '/c' }), path.join('/c', 'native'));
    assert.equal(sharedNativeDir({ XDG_CACHE_HOME: '/x' }), path.join('/x', 'cnn-lab', 'native'));
    assert.equal(sharedNativeDir({ CNN_LAB_CACHE: '', XDG_CACHE_HOME: '/x' }), path.join('/x', 'cnn-lab', 'native'));
  });

  it('a recorded install is found, and names its addon to a trainer that has none of its own', async () => {
    assert.equal(await sharedInstall(env), undefined, 'nothing recorded yet');
    await recordSharedInstall(home, install, env);
    assert.ok(fs.existsSync(path.join(sharedNativeDir(env), SHARED_POINTER)));
    assert.equal((await sharedInstall(env))?.addon, install.addon);
    const trainer = path.join(root, 'vsix', 'extension', 'dist', 'trainer.js');
    assert.deepEqual(await nativeEnvForTrainer(trainer, env), { CNN_LAB_NATIVE_ADDON: install.addon });
  });

  it('a trainer whose checkout built tfjs-node, or that was already given an addon, is left alone', async () => {
    await recordSharedInstall(home, install, env);
    const checkout = path.join(root, 'checkout');
    const own = path.join(checkout, 'node_modules', '@tensorflow', 'tfjs-node', 'lib', `napi-v${NATIVE_TARGET.napi}`, 'tfjs_binding.node');
    fs.mkdirSync(path.dirname(own), { recursive: true });
    fs.writeFileSync(own, 'own');
    const ownLibs = path.join(checkout, 'node_modules', '@tensorflow', 'tfjs-node', 'deps', 'lib');
    fs.mkdirSync(ownLibs, { recursive: true });
    fs.writeFileSync(path.join(ownLibs, 'libtensorflow_cc.so.2'), 'cc');
    assert.deepEqual(await nativeEnvForTrainer(path.join(checkout, 'dist', 'trainer.js'), env), {});
    assert.deepEqual(await nativeEnvForTrainer(path.join(root, 'x', 'dist', 'trainer.js'), { ...env, CNN_LAB_NATIVE_ADDON: '/given.node' }), {});
  });

  it('a pointer to an install that is gone, or a corrupt pointer, is ignored', async () => {
    await recordSharedInstall(home, install, env);
    fs.rmSync(install.libDir, { recursive: true });
    assert.equal(await sharedInstall(env), undefined);
    fs.writeFileSync(path.join(sharedNativeDir(env), SHARED_POINTER), '{"home": 42');
    assert.equal(await sharedInstall(env), undefined);
    assert.deepEqual(await nativeEnvForTrainer(path.join(root, 'x', 'dist', 'trainer.js'), env), {});
  });
});
