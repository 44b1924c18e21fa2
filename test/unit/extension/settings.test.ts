import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_SETTINGS, MAX_EPOCHS, readSettings, SETTING_KEYS, settingId } from '../../../src/shared/settings';

const manifest = JSON.parse(readFileSync(path.resolve(__dirname, '../../../package.json'), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, { default: unknown; enum?: unknown[]; minimum?: number }> } };
};

const from = (o: Record<string, unknown>) => readSettings((k) => o[k]);

describe('settings', function () {
  it('gives the defaults for an empty configuration', function () {
    assert.deepEqual(from({}), DEFAULT_SETTINGS);
  });

  it('keeps valid values', function () {
    const s = from({
      backend: 'wasm', 'trainer.nodePath': ' /usr/bin/node ', 'data.cacheDir': '/tmp/cache',
      'data.mnistMirrors': ['https://a.example/mnist/'], 'training.maxTrainSamples': 2000, 'training.epochs': 3, 'runs.folder': 'out/runs',
      'native.packageIndex': ' https://mirror.example/pypi/simple/ ',
    });
    assert.deepEqual(s, {
      backend: 'wasm', trainerNodePath: '/usr/bin/node', dataCacheDir: '/tmp/cache', mnistMirrors: ['https://a.example/mnist/'],
      maxTrainSamples: 2000, epochs: 3, runsFolder: 'out/runs', nativePackageIndex: 'https://mirror.example/pypi/simple',
    });
  });

  it('replaces wrong types and out-of-range values by defaults or clamps them', function () {
    const s = from({
      backend: 'gpu', 'trainer.nodePath': 42, 'data.mnistMirrors': ['ftp://x', 'https://ok.example/', 'https://ok.example/', 7, ' '],
      'training.maxTrainSamples': -5, 'training.epochs': 1e9, 'runs.folder': '../../etc',
    });
    assert.equal(s.backend, 'auto');
    assert.equal(s.trainerNodePath, '');
    assert.deepEqual(s.mnistMirrors, ['https://ok.example/']);
    assert.equal(s.maxTrainSamples, 0);
    assert.equal(s.epochs, MAX_EPOCHS);
    assert.equal(s.runsFolder, DEFAULT_SETTINGS.runsFolder, 'a relative folder may not climb out of the workspace');
    assert.equal(from({ 'training.epochs': 2.7 }).epochs, 2);
    assert.equal(from({ 'native.packageIndex': 'file:///etc/passwd' }).nativePackageIndex, 'https://pypi.org', 'only http(s) package indexes');
    assert.equal(from({ 'native.packageIndex': 42 }).nativePackageIndex, 'https://pypi.org');
    assert.equal(from({ 'runs.folder': '/abs/runs' }).runsFolder, '/abs/runs');
    assert.equal(from({ 'runs.folder': '   ' }).runsFolder, DEFAULT_SETTINGS.runsFolder);
  });

  it('mirrors contributes.configuration in package.json: same keys, same defaults', function () {
    const props = manifest.contributes.configuration.properties;
    const ids = (Object.keys(SETTING_KEYS) as (keyof typeof SETTING_KEYS)[]).map((k) => settingId(k));
    assert.deepEqual(Object.keys(props).sort(), [...ids].sort());
    for (const k of Object.keys(SETTING_KEYS) as (keyof typeof SETTING_KEYS)[]) {
      assert.deepEqual(props[settingId(k)]?.default, DEFAULT_SETTINGS[k], settingId(k));
    }
    assert.deepEqual(props['cnnLab.backend']?.enum, ['auto', 'tensorflow', 'wasm', 'cpu']);
    assert.equal(props['cnnLab.training.epochs']?.minimum, 0);
  });
});
