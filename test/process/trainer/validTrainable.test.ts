/**
 * "Valid means trainable" (issue 11): every model file the language accepts must train. Random
 * models are drawn from the language's own layer set (src/shared/modelSpec.ts LAYER_TYPES, with
 * the fields and ranges of src/core/schema.ts), in random order, on mnist, shapes and (when
 * installed) fashion-mnist; those `analyzeModelText` accepts with no error are trained for one
 * short epoch through the real trainer process, which must complete with a finite loss.
 *
 * The first layer of model i is FIRST[i % 8], so every layer type that may come first (all but
 * dense, which the language rejects on image input) is tried first: a leading dropout used to fail
 * with "dropout cannot be the first layer", and a flatten of a vector (flatten twice, or after
 * dense) with tfjs's "expected min_ndim=3". The native/auto set also trains four fixed models the
 * native step itself handles (EDGE_LAYERS). A finished run's final/ must load in stock tfjs.
 *
 * Backends: `auto` (native tfjs-node where it loads) for 40 models, plus 5 each on wasm and cpu.
 * With CNN_LAB_TEST_BACKEND=<backend> set, only that backend runs. One trainer process per model
 * (about 2.5 s of CPU each, mostly start-up), two at a time: about 1 min of wall time on an idle
 * 2-core machine, 3 min when it is shared.
 * More models by hand (the process config's spec glob would add every process test, so name the
 * file without it):
 *   CNN_LAB_VALID_MODELS=300 npx mocha --require tsx/cjs --extension ts --timeout 0 \
 *     test/process/trainer/validTrainable.test.ts
 * (CNN_LAB_VALID_MODELS sets the count of the native/auto set, or of CNN_LAB_TEST_BACKEND's;
 * CNN_LAB_VALID_SEED=<n> draws another set; CNN_LAB_VALID_CONCURRENCY=<n> trainers at once, default 2.)
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { analyzeModelText } from '../../../src/core';
import { ACTIVATIONS, LAYER_TYPES, OPTIMIZERS, PADDINGS } from '../../../src/shared/modelSpec';
import type { LayerType, ModelSpec } from '../../../src/shared/modelSpec';
import type { BackendChoice, TrainerMessage } from '../../../src/shared/trainerProtocol';
import { Random } from '../../../src/trainer/data/random';
import { RUN_FILES, readModelDir } from '../../../src/trainer/runFolder';
import { TrainerHarness, startRequest } from './harness';

const DATASETS: readonly { name: string; classes: number }[] = [
  { name: 'mnist', classes: 10 },
  { name: 'shapes', classes: 9 },
  ...(fs.existsSync('/usr/share/datasets/fashion-mnist') ? [{ name: 'fashion-mnist', classes: 10 }] : []),
];

const pick = <T>(rng: Random, xs: readonly T[]): T => xs[rng.int(xs.length)] as T;
const chance = (rng: Random, p: number): boolean => rng.next() < p;
/** A pair field written either as a scalar or as `[h, w]`. */
const pair = (rng: Random, lo: number, hi: number): string => {
  const a = lo + rng.int(hi - lo + 1);
  return chance(rng, 0.6) ? String(a) : `[${a}, ${lo + rng.int(hi - lo + 1)}]`;
};
const num = (x: number): string => String(Number(x.toPrecision(3)));
/** Half the time relu or linear, so that some models take the native step (which handles only those). */
const activation = (rng: Random): string => (chance(rng, 0.5) ? pick(rng, ['relu', 'linear']) : pick(rng, ACTIVATIONS));

/** One layer item of the `layers:` list, with random optional fields (sizes kept small so an epoch is quick). */
function layerText(rng: Random, type: LayerType, classes: number): string {
  const fields: string[] = [];
  const maybe = (p: number, f: string): void => { if (chance(rng, p)) fields.push(f); };
  switch (type) {
    case 'conv2d':
      fields.push(`filters: ${1 + rng.int(12)}`, `kernel: ${pair(rng, 1, 5)}`);
      maybe(0.4, `strides: ${pair(rng, 1, 3)}`);
      maybe(0.6, `padding: ${pick(rng, PADDINGS)}`);
      maybe(0.7, `activation: ${activation(rng)}`);
      maybe(0.2, `useBias: ${chance(rng, 0.5)}`);
      break;
    case 'maxpool2d':
    case 'avgpool2d':
      maybe(0.6, `pool: ${pair(rng, 1, 4)}`);
      maybe(0.3, `strides: ${pair(rng, 1, 3)}`);
      maybe(0.5, `padding: ${pick(rng, PADDINGS)}`);
      break;
    case 'dense':
      fields.push(`units: ${chance(rng, 0.3) ? classes : 1 + rng.int(48)}`);
      maybe(0.7, `activation: ${activation(rng)}`);
      maybe(0.2, `useBias: ${chance(rng, 0.5)}`);
      break;
    case 'dropout':
      fields.push(`rate: ${num(rng.range(0, 0.9))}`);
      break;
    case 'batchnorm':
      maybe(0.4, `momentum: ${num(rng.range(0, 0.999))}`);
      maybe(0.4, `epsilon: ${num(rng.range(1e-5, 0.1))}`);
      break;
    case 'activation':
      // The shorthand form the language documents: `- activation: relu`.
      if (chance(rng, 0.5)) return `activation: ${activation(rng)}`;
      fields.push(`activation: ${activation(rng)}`);
      break;
    case 'globalavgpool2d':
    case 'flatten':
      break;
  }
  return `${type}: { ${fields.join(', ')} }`;
}

/** A random model file whose first layer is `first`; most end in a dense layer with the class count. */
function modelText(rng: Random, id: number, first: LayerType): { text: string; dataset: string } {
  const ds = pick(rng, DATASETS);
  const types: LayerType[] = [first];
  const more = rng.int(7);
  for (let k = 0; k < more; k++) types.push(pick(rng, LAYER_TYPES));
  const layers = types.map((ty) => layerText(rng, ty, ds.classes));
  if (chance(rng, 0.9)) {
    if (chance(rng, 0.5)) layers.push(pick(rng, ['flatten: {}', 'globalavgpool2d: {}']));
    layers.push(`dense: { units: ${ds.classes}${chance(rng, 0.8) ? ', activation: softmax' : ''} }`);
  }
  const train = [
    'epochs: 1', 'batchSize: 64', `optimizer: ${pick(rng, OPTIMIZERS)}`,
    `learningRate: ${num(10 ** rng.range(-4, -2))}`, `validationSplit: ${pick(rng, [0, 0.1, 0.2])}`, `seed: ${rng.int(1000)}`,
  ];
  const text = [
    `name: valid-${id}`, `dataset: ${ds.name}`, 'layers:', ...layers.map((l) => `  - ${l}`),
    `train: { ${train.join(', ')} }`, '',
  ].join('\n');
  return { text, dataset: ds.name };
}

/**
 * First-layer rotation: every layer type but dense (which the language rejects on image input:
 * `missing-flatten`), the ones that once failed first, so even a 5-model sample has a leading dropout.
 */
const FIRST: readonly LayerType[] = ['dropout', 'batchnorm', 'activation', 'maxpool2d', 'avgpool2d', 'globalavgpool2d', 'flatten', 'conv2d'];

interface Candidate { readonly id: number; readonly text: string; readonly spec: ModelSpec }

/**
 * Models the native step handles (conv, dense, max pooling, flatten, dropout) with the layers
 * that once broke first or twice: its own per-layer code must cope with them too.
 */
const EDGE_LAYERS: readonly (readonly string[])[] = [
  ['dropout: { rate: 0.3 }', 'conv2d: { filters: 4, kernel: 3, activation: relu }', 'maxpool2d: {}', 'flatten: {}', 'dense: { units: 10, activation: softmax }'],
  ['maxpool2d: {}', 'flatten: {}', 'dropout: { rate: 0.5 }', 'dense: { units: 10 }'],
  ['flatten: {}', 'flatten: {}', 'dense: { units: 16, activation: relu }', 'flatten: {}', 'dense: { units: 10, activation: softmax }'],
  ['dropout: { rate: 0.2 }', 'dropout: { rate: 0 }', 'flatten: {}', 'dense: { units: 10, activation: softmax }'],
];

function edgeModels(firstId: number): Candidate[] {
  return EDGE_LAYERS.map((layers, k) => {
    const text = [`name: edge-${k}`, 'dataset: mnist', 'layers:', ...layers.map((l) => `  - ${l}`),
      'train: { epochs: 1, batchSize: 64, optimizer: sgd, learningRate: 0.01, seed: 5 }', ''].join('\n');
    const a = analyzeModelText(text);
    if (!a.spec) throw new Error(`edge model ${k} not accepted: ${a.diagnostics.map((d) => d.message).join('; ')}`);
    return { id: firstId + k, text, spec: a.spec };
  });
}

/** `count` accepted models (no error diagnostics) from seed `seed`; ids are per set. */
function acceptedModels(seed: number, count: number): { models: Candidate[]; tried: number } {
  const rng = new Random(seed);
  const models: Candidate[] = [];
  let tried = 0;
  while (models.length < count && tried < 200 * Math.max(1, count)) {
    const first = FIRST[models.length % FIRST.length] as LayerType;
    const { text } = modelText(rng, models.length, first);
    tried++;
    const a = analyzeModelText(text);
    if (a.spec && !a.diagnostics.some((d) => d.severity === 'error')) models.push({ id: models.length, text, spec: a.spec });
  }
  return { models, tried };
}

interface Outcome { readonly backend: string; readonly messages: readonly TrainerMessage[]; readonly stderr: string; readonly ms: number; readonly runDir: string }

const envInt = (name: string): number | undefined => {
  const v = process.env[name];
  return v && /^\d+$/.test(v) ? Number(v) : undefined;
};

const asked = process.env.CNN_LAB_TEST_BACKEND as BackendChoice | undefined;
const baseSeed = envInt('CNN_LAB_VALID_SEED') ?? 11;
const suites: { backend: BackendChoice; count: number; seed: number }[] = asked
  ? [{ backend: asked, count: envInt('CNN_LAB_VALID_MODELS') ?? (asked === 'tensorflow' || asked === 'auto' ? 40 : 5), seed: baseSeed }]
  : [
      { backend: 'auto', count: envInt('CNN_LAB_VALID_MODELS') ?? 40, seed: baseSeed },
      { backend: 'wasm', count: 5, seed: baseSeed + 1 },
      { backend: 'cpu', count: 5, seed: baseSeed + 2 },
    ];
const concurrency = Math.max(1, envInt('CNN_LAB_VALID_CONCURRENCY') ?? 2);

describe('valid means trainable: random models the language accepts train on every backend', function () {
  let tmp: string;
  let dataDir: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cnnlab-valid-'));
    dataDir = path.join(tmp, 'data');
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  for (const suite of suites) {
    const drawn = acceptedModels(suite.seed, suite.count);
    const { tried } = drawn;
    const models = suite.backend === 'auto' || suite.backend === 'tensorflow' ? [...drawn.models, ...edgeModels(drawn.models.length)] : drawn.models;
    describe(`${suite.backend}: ${models.length} accepted of ${tried} drawn (seed ${suite.seed})`, function () {
      /** Trainings run `concurrency` at a time from the first test on; each test awaits its own. */
      let outcomes: Promise<Outcome>[] | null = null;
      const train = (m: Candidate): Promise<Outcome> => (async () => {
        const t0 = Date.now();
        const t = new TrainerHarness();
        await t.waitFor((msg) => msg.type === 'ready');
        t.send(startRequest(path.join(tmp, `${suite.backend}-${m.id}`), dataDir, m.spec, {
          backend: suite.backend, modelText: m.text, maxTrainSamples: 128, maxTestSamples: 32,
          batchIntervalMs: 60_000,
        }));
        await t.done();
        const runDir = path.join(tmp, `${suite.backend}-${m.id}`);
        return { backend: t.of('backend')[0]?.name ?? '?', messages: t.messages, stderr: t.stderr.join(''), ms: Date.now() - t0, runDir };
      })();
      const start = (): Promise<Outcome>[] => {
        const slots: Promise<Outcome>[] = [];
        const results = models.map((m, i) => {
          const prev = slots[i - concurrency] ?? Promise.resolve(null);
          const p = prev.catch(() => null).then(() => train(m));
          slots.push(p);
          return p;
        });
        return results;
      };

      it('draws the requested number of accepted models, each layer type first at least once', function () {
        assert.equal(drawn.models.length, suite.count, `only ${drawn.models.length} of ${tried} random models were accepted`);
        if (suite.count >= FIRST.length) {
          assert.deepEqual(new Set(models.map((m) => m.spec.layers[0]?.type)), new Set(FIRST));
        }
      });

      for (const m of models) {
        const layers = m.spec.layers.map((l) => l.type).join(' → ');
        it(`#${m.id} ${m.spec.dataset.kind === 'builtin' ? m.spec.dataset.name : 'folder'}: ${layers}`, async function () {
          outcomes ??= start();
          const o = await (outcomes[m.id] as Promise<Outcome>);
          const done = o.messages.find((x) => x.type === 'done');
          const errors = o.messages.filter((x) => x.type === 'error').map((x) => JSON.stringify(x.error));
          const why = `\n${m.text}\nerrors: ${errors.join('; ')}\nstderr: ${o.stderr.slice(-2000)}`;
          assert.ok(done && done.type === 'done', `no done message${why}`);
          assert.equal(done.status, 'completed', `status ${done.status}${why}`);
          if (suite.backend !== 'auto') assert.equal(o.backend, suite.backend);
          const epochs = o.messages.filter((x) => x.type === 'epochEnd');
          assert.equal(epochs.length, 1, `epochEnd messages${why}`);
          for (const e of epochs) assert.ok(Number.isFinite(e.loss), `loss ${e.loss} on ${o.backend}${why}`);
          // The saved final model is a stock tfjs topology: it loads and predicts outside the trainer.
          const final = readModelDir(path.join(o.runDir, RUN_FILES.final));
          assert.ok(final, `final model${why}`);
          const loaded = await tf.loadLayersModel(tf.io.fromMemory({
            modelTopology: final.json.modelTopology, weightSpecs: [...final.specs], weightData: final.weights,
          }));
          const y = tf.tidy(() => loaded.predict(tf.zeros([1, ...m.spec.inputShape])) as tf.Tensor);
          assert.deepEqual(y.shape, [1, m.spec.numClasses]);
          y.dispose();
          loaded.dispose();
          const step = o.messages.some((x) => x.type === 'log' && x.message.startsWith('Training step: TensorFlow')) ? 'native step' : 'trainOnBatch';
          if (this.test) this.test.title += ` [${o.backend}, ${step}, ${(o.ms / 1000).toFixed(1)} s]`;
        });
      }
    });
  }
});
