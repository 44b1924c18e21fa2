import { strict as assert } from 'node:assert';
import { existsSync, promises as fsp, readdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { probeBackends } from '../../../src/extension/backendProbe';

const ROOT = path.resolve(__dirname, '../../..');

describe('backend probe', function () {
  it('reports this checkout: tensorflow iff the tfjs-node addon is built, wasm iff its binary exists, cpu always', async function () {
    const probes = await probeBackends(ROOT);
    assert.deepEqual(probes.map((p) => p.name), ['tensorflow', 'wasm', 'cpu']);
    const lib = path.join(ROOT, 'node_modules/@tensorflow/tfjs-node/lib');
    const addon = existsSync(lib) && readdirSync(lib).some((d) => existsSync(path.join(lib, d, 'tfjs_binding.node')));
    assert.equal(probes[0]?.available, addon, probes[0]?.detail);
    assert.equal(probes[1]?.available, existsSync(path.join(ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')));
    assert.equal(probes[2]?.available, true);
  });

  it('reports nothing available for a folder without the packages, saying what is missing', async function () {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'cnn-lab-probe-'));
    try {
      await fsp.mkdir(path.join(dir, 'node_modules/@tensorflow/tfjs-node'), { recursive: true });
      await fsp.writeFile(path.join(dir, 'node_modules/@tensorflow/tfjs-node/package.json'), '{"version":"4.22.0"}');
      const probes = await probeBackends(dir);
      assert.ok(probes.every((p) => !p.available));
      assert.match(probes[0]?.detail ?? '', /native addon was not built/);
      assert.match(probes[1]?.detail ?? '', /not installed/);
    } finally {
      await fsp.rm(dir, { recursive: true, force: true });
    }
  });
});
