/**
 * `scripts/provision-native.mjs` as npm runs it (postinstall) and as a user runs it: quick when
 * the backend is ready, silent success never hides a failure, and failures never fail the install
 * unless `--strict` asks for it.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { tensorflowAvailable } from '../../../src/trainer/backends/tensorflow';

const root = path.resolve(__dirname, '..', '..', '..');

function provision(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [path.join(cwd, 'scripts', 'provision-native.mjs'), ...args], {
    cwd, encoding: 'utf8', timeout: 120_000, env: { ...process.env, npm_lifecycle_event: '', ...env },
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** A throw-away project holding only the provisioning script, with the given package.json. */
function scratchProject(pkg: object, linkNodeModules: boolean): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cnnlab-provision-'));
  fs.mkdirSync(path.join(dir, 'scripts'));
  fs.cpSync(path.join(root, 'scripts', 'provision-native.mjs'), path.join(dir, 'scripts', 'provision-native.mjs'));
  fs.cpSync(path.join(root, 'scripts', 'native'), path.join(dir, 'scripts', 'native'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pkg));
  if (linkNodeModules) fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

describe('provision-native script', function () {
  this.timeout(180_000);
  const scratch: string[] = [];
  after(() => { for (const d of scratch) fs.rmSync(d, { recursive: true, force: true }); });

  it('reports the ready backend and its libtensorflow version without rebuilding', function () {
    if (!tensorflowAvailable(root).available && !process.env.CI) this.skip();
    const { status, out } = provision(root, []);
    assert.equal(status, 0, out);
    assert.match(out, /native TensorFlow backend ready: tfjs-node 4\.22\.0, libtensorflow 2\.\d+\.\d+/);
    assert.doesNotMatch(out, /compiling|downloading/);
  });

  it('does nothing with CNN_LAB_SKIP_NATIVE=1', () => {
    const { status, out } = provision(root, [], { CNN_LAB_SKIP_NATIVE: '1' });
    assert.equal(status, 0);
    assert.match(out, /CNN_LAB_SKIP_NATIVE=1: not provisioning/);
  });

  it('explains a missing tfjs-node pin and still exits 0, or 1 with --strict', () => {
    const dir = scratchProject({ name: 'scratch', version: '0.0.0' }, false);
    scratch.push(dir);
    const lenient = provision(dir, []);
    assert.equal(lenient.status, 0, lenient.out);
    assert.match(lenient.out, /NOT provisioned .*does not pin @tensorflow\/tfjs-node/);
    assert.match(lenient.out, /training falls back to the wasm and cpu backends/);
    assert.equal(provision(dir, ['--strict']).status, 1);
  });

  it('lists every missing build tool in one message when it has to build', function () {
    // node_modules is the real one (read only here: the toolchain check fails before staging).
    const dir = scratchProject({ name: 'scratch', version: '0.0.0', optionalDependencies: { '@tensorflow/tfjs-node': '4.22.0' } }, true);
    scratch.push(dir);
    if (!fs.existsSync(path.join(dir, 'node_modules', '@tensorflow', 'tfjs-node', 'package.json'))) {
      console.log('      skipped: @tensorflow/tfjs-node is not in node_modules, so the build step cannot be reached');
      this.skip();
    }
    const cache = path.join(dir, 'cache');
    const { status, out } = provision(dir, ['--force'], { PATH: path.join(dir, 'no-tools'), CNN_LAB_CACHE: cache });
    assert.equal(status, 0, out);
    assert.match(out, /missing python3, a C\+\+ compiler \(Debian: g\+\+\), make/);
    assert.match(out, /what to do: install them/);
  });
});
