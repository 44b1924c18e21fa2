/**
 * The host side of "Open Runs in TensorBoard": it finds the Python that has TensorBoard among the
 * candidates, starts TensorBoard on a runs folder on a free port, and TensorBoard serves the
 * run's train/ and validation/ logs with CNN Lab's tags; without TensorBoard it says what it tried.
 */
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findTensorBoard, installCommand, startTensorBoard } from '../../../src/host/tensorboard';
import { EventFileWriter } from '../../../src/trainer/tensorboard/writer';
import { requirePython } from '../python/pythonEnv';

describe('TensorBoard launcher', function () {
  this.timeout(300_000);
  let python = '';
  let runs = '';

  before(function () {
    python = requirePython(this, [{ module: 'tensorboard', pip: 'tensorboard==2.21.0' }]);
    runs = mkdtempSync(path.join(os.tmpdir(), 'cnnlab-tblaunch-'));
    for (const sub of ['train', 'validation']) {
      const w = new EventFileWriter(path.join(runs, 'mnist-20261202-0100', sub));
      for (let e = 0; e < 3; e++) w.scalar('epoch_loss', e, 1 / (e + 1));
      w.close();
    }
  });
  after(() => { if (runs) rmSync(runs, { recursive: true, force: true }); });

  it('picks the first candidate Python that has TensorBoard, and lists what it tried when none has', async () => {
    const found = await findTensorBoard(['', '/nonexistent/bin/python3', python, python]);
    assert.ok('python' in found);
    assert.equal(found.python, python);
    assert.match(found.version, /^\d+\.\d+/);
    const none = await findTensorBoard(['/nonexistent/bin/python3', '/nonexistent/bin/python3', '/also/missing']);
    assert.deepEqual(none, { missing: ['/nonexistent/bin/python3', '/also/missing'] });
    assert.equal(installCommand('/usr/bin/python3'), '/usr/bin/python3 -m pip install tensorboard');
    assert.equal(installCommand('/home/me/my venv/bin/python'), '"/home/me/my venv/bin/python" -m pip install tensorboard');
  });

  it('starts TensorBoard on the runs folder; it serves the runs and their scalars, and stops', async () => {
    const tb = await startTensorBoard(python, runs, 120_000);
    try {
      assert.match(tb.url, /^http:\/\/localhost:\d+\/$/);
      const list = await (await fetch(`${tb.url}data/runs`)).json() as string[];
      assert.deepEqual([...list].sort(), ['mnist-20261202-0100/train', 'mnist-20261202-0100/validation']);
      const tags = await (await fetch(`${tb.url}data/plugin/scalars/tags`)).json() as Record<string, Record<string, unknown>>;
      assert.ok(tags['mnist-20261202-0100/train']?.epoch_loss, JSON.stringify(tags));
    } finally {
      tb.stop();
    }
    await new Promise<void>((resolve) => { if (tb.process.exitCode !== null || tb.process.signalCode !== null) resolve(); else tb.process.once('exit', () => resolve()); });
  });

  it('rejects with TensorBoard\'s own words when it cannot start', async () => {
    await assert.rejects(startTensorBoard('/nonexistent/bin/python3', runs, 10_000), /ENOENT|exited/);
  });
});
