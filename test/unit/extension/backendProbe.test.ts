import { strict as assert } from 'node:assert';
import { existsSync, promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { probeBackends, type NativeStatus } from '../../../src/extension/backendProbe';

const ROOT = path.resolve(__dirname, '../../..');

describe('backend probe', function () {
  it('reports this checkout after a build: wasm iff dist/wasm holds its binaries, cpu iff the trainer bundle exists', async function () {
    if (!existsSync(path.join(ROOT, 'dist', 'trainer.js'))) this.skip();
    const probes = await probeBackends(ROOT, { kind: 'checkout', addon: '/x/tfjs_binding.node' });
    assert.deepEqual(probes.map((p) => p.name), ['tensorflow', 'wasm', 'cpu']);
    assert.equal(probes[0]?.available, true);
    assert.match(probes[0]?.detail ?? '', /checkout/);
    assert.equal(probes[1]?.available, existsSync(path.join(ROOT, 'dist/wasm/tfjs-backend-wasm-simd.wasm')));
    assert.equal(probes[2]?.available, true);
  });

  it('says for each native state what the user sees, and nothing is available in a folder without the bundles', async function () {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'cnn-lab-probe-'));
    try {
      const states: [NativeStatus, RegExp, boolean][] = [
        [{ kind: 'notSetUp', reason: 'no install' }, /not set up yet.*first training/, false],
        [{ kind: 'failed', reason: 'SHA-256 mismatch', at: '2026-12-01T00:00:00Z' }, /set-up failed: SHA-256 mismatch/, false],
        [{ kind: 'unsupported', reason: 'darwin-arm64' }, /not available: darwin-arm64/, false],
        [{ kind: 'ready', install: { tensorflow: '2.21.0', dir, setUpAt: '2026-12-01T10:00:00Z' } }, /ready: libtensorflow 2\.21\.0, set up 2026-12-01/, true],
      ];
      for (const [native, detail, available] of states) {
        const probes = await probeBackends(dir, native);
        assert.equal(probes[0]?.available, available, native.kind);
        assert.match(probes[0]?.detail ?? '', detail);
        assert.equal(probes[1]?.available, false);
        assert.equal(probes[2]?.available, false);
        assert.match(probes[1]?.detail ?? '', /dist\/wasm/);
      }
    } finally {
      await fsp.rm(dir, { recursive: true, force: true });
    }
  });
});
