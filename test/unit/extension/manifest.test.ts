/**
 * The contributions a user meets before any code runs: lazy activation, the commands of the
 * palette under "CNN Lab", the editor title button, the side-bar views, and the templates of
 * New Model File (which must be valid models).
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { analyzeModelText } from '../../../src/core/index';

const ROOT = path.resolve(__dirname, '../../..');
const json = <T>(p: string): T => JSON.parse(readFileSync(path.join(ROOT, p), 'utf8')) as T;

interface Command { command: string; title: string; category?: string }
interface MenuItem { command: string; when?: string; group?: string }
interface Manifest {
  activationEvents?: string[];
  contributes: {
    commands: Command[];
    menus: Record<string, MenuItem[]>;
    viewsContainers: { activitybar: { id: string }[] };
    views: Record<string, { id: string; type?: string }[]>;
  };
}

const manifest = json<Manifest>('package.json');
const en = json<Record<string, string>>('package.nls.json');
const ko = json<Record<string, string>>('package.nls.ko.json');
const title = (c: Command): string => en[c.title.replace(/%/g, '')] ?? c.title;

describe('extension manifest', function () {
  it('activates lazily: no "*" and no start-up event; commands, views and the language activate it implicitly', function () {
    const events = manifest.activationEvents ?? [];
    assert.ok(!events.includes('*'));
    assert.ok(!events.includes('onStartupFinished'));
    for (const e of events) assert.match(e, /^(onWebviewPanel|onLanguage|onCommand|onView):/, e);
  });

  it('puts the commands of the issue in the palette under "CNN Lab", in English and Korean', function () {
    const expected = ['Train MNIST Model', 'Train Model', 'Stop Training', 'Resume Run', 'Open Dashboard', 'Show Model Summary',
      'New Model File', 'Export Trained Model', 'Select Dataset', 'Configure Dropout Placement', 'Select Backend'];
    const byTitle = new Map(manifest.contributes.commands.map((c) => [title(c), c]));
    for (const t of expected) {
      const c = byTitle.get(t);
      assert.ok(c !== undefined, `no command titled ${t}`);
      assert.equal(c.category, '%category%', `${t} has the category`);
      assert.ok(ko[c.title.replace(/%/g, '')] !== t, `${t} is translated into Korean`);
    }
    assert.equal(en.category, 'CNN Lab');
    const hidden = new Set((manifest.contributes.menus.commandPalette ?? []).filter((m) => m.when === 'false').map((m) => m.command));
    for (const t of expected) assert.ok(!hidden.has(byTitle.get(t)?.command ?? ''), `${t} is not hidden from the palette`);
  });

  it('offers Train Model as an editor title button on model files, and Stop while training', function () {
    const title = manifest.contributes.menus['editor/title'] ?? [];
    const train = title.find((m) => m.command === 'cnnLab.trainModel');
    assert.ok(train?.when?.includes('resourceLangId == cnn-model'));
    assert.match(train?.group ?? '', /^navigation/);
    assert.ok(title.some((m) => m.command === 'cnnLab.stopTraining' && m.when?.includes('cnnLab.trainingActive')));
  });

  it('has a CNN Lab activity-bar container with the runs tree and the filters webview view', function () {
    assert.ok(manifest.contributes.viewsContainers.activitybar.some((c) => c.id === 'cnnLab'));
    const views = manifest.contributes.views.cnnLab ?? [];
    assert.ok(views.some((v) => v.id === 'cnnLab.runs' && v.type === undefined));
    assert.ok(views.some((v) => v.id === 'cnnLab.filters' && v.type === 'webview'));
    const item = (manifest.contributes.menus['view/item/context'] ?? []).map((m) => m.command);
    for (const c of ['cnnLab.openDashboard', 'cnnLab.resumeRun', 'cnnLab.deleteRun', 'cnnLab.revealRun']) assert.ok(item.includes(c), `runs view offers ${c}`);
  });

  it('ships the three New Model File templates as valid models: MNIST, CIFAR-10 AlexNet, colour shapes', function () {
    // The same files as TEMPLATES in src/extension/commands/model.ts.
    const expected: Record<string, { dataset: string; channels: number }> = {
      'mnist.cnn.yaml': { dataset: 'mnist', channels: 1 },
      'cifar10-alexnet.cnn.yaml': { dataset: 'cifar10', channels: 3 },
      'shapes-rgb.cnn.yaml': { dataset: 'shapes', channels: 3 },
    };
    const source = readFileSync(path.join(ROOT, 'src/extension/commands/model.ts'), 'utf8');
    for (const [file, want] of Object.entries(expected)) {
      assert.ok(source.includes(`'${file}'`), `commands/model.ts offers ${file}`);
      const a = analyzeModelText(readFileSync(path.join(ROOT, 'examples', file), 'utf8'));
      assert.deepEqual(a.diagnostics.filter((d) => d.severity === 'error'), [], file);
      assert.ok(a.spec !== null && a.spec.dataset.kind === 'builtin' && a.spec.dataset.name === want.dataset, file);
      assert.equal(a.spec.inputShape[2], want.channels, file);
    }
  });
});
