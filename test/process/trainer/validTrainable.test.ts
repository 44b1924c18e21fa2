/**
 * "Valid means trainable" (issue 11): every model file the language accepts must train. Random
 * models are drawn from the language's own layer registry (the core's `LAYER_TYPES`, each field
 * drawn from its `layerFields` definition: kind, range, values, the shorthand form), so a new
 * layer type is drawn without a change here, in random order, on mnist, shapes and (when
 * installed) fashion-mnist; those `analyzeModelText` accepts with no error are trained for two
 * short epochs through the real trainer process, which must complete with a finite loss and the
 * same tensor count at the end of both epochs (no leaks).
 *
 * The first layer of model i is FIRST[i % FIRST.length]: every layer type but dense (which the
 * language rejects on image input), so every type that may come first is tried first: a leading
 * dropout used to fail with "dropout cannot be the first layer", and a flatten of a vector
 * (flatten twice, or after dense) with tfjs's "expected min_ndim=3". Every layer type trains on
 * every backend: a suite whose random models miss some types adds models made of the missing ones
 * (`coverageModels`). The native/auto set also trains four fixed models the native step itself
 * handles (EDGE_LAYERS). A finished run's final/ must load in tfjs (with CNN Lab's registered
 * layer classes: SpatialDropout2D, ELU of any alpha).
 *
 * Backends: `auto` (native tfjs-node where it loads) for 40 models, plus 5 each on wasm and cpu
 * (and their coverage models). With CNN_LAB_TEST_BACKEND=<backend> set, only that backend runs.
 * One trainer process per model (about 2.5 s of CPU each, mostly start-up), two at a time: about
 * 1.5 min of wall time on an idle 2-core machine, 3 min when it is shared.
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
import { analyzeModelText, LAYER_TYPES, layerDef, layerFields } from '../../../src/core';
import type { FieldDef, LayerType, TypedModelSpec } from '../../../src/core';
import { OPTIMIZERS } from '../../../src/shared/modelSpec';
import type { BackendChoice, TrainerMessage } from '../../../src/shared/trainerProtocol';
import { Random } from '../../../src/trainer/data/random';
// Registers CNN Lab's own layer classes with tfjs's serialization, as the trainer does.
import '../../../src/trainer/layers/index';
import { RUN_FILES, readModelDir } from '../../../src/trainer/runFolder';
import { TrainerHarness, startRequest } from './harness';

const DATASETS: readonly { name: string; classes: number }[] = [
  { name: 'mnist', classes: 10 },
  { name: 'shapes', classes: 9 },
  ...(fs.existsSync('/usr/share/datasets/fashion-mnist') ? [{ name: 'fashion-mnist', classes: 10 }] : []),
];
const EPOCHS = 2;

const pick = <T>(rng: Random, xs: readonly T[]): T => xs[rng.int(xs.length)] as T;
const chance = (rng: Random, p: number): boolean => rng.next() < p;
const num = (x: number): string => String(Number(x.toPrecision(3)));
const shuffled = <T>(rng: Random, xs: readonly T[]): T[] => {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
};

/**
 * Upper ends for sizes, by field key, so an epoch stays quick whatever layer has the field; a key
 * not listed gets `min + 7` (ints), `min + 4` (pairs), `min + 3` (numbers), within the field's range.
 */
const SMALL: Readonly<Record<string, number>> = { filters: 12, units: 48, depthMultiplier: 3, kernel: 5, strides: 3, pool: 4, padding: 2 };

/** A random value of a field, as written in a model file. */
function fieldValue(rng: Random, f: FieldDef, classes: number): string {
  const lo = f.min ?? 0;
  const cap = (span: number): number => Math.min(f.max ?? Infinity, SMALL[f.key] ?? lo + span);
  switch (f.kind) {
    case 'int':
      if (f.key === 'units' && chance(rng, 0.3)) return String(classes);
      return String(lo + rng.int(cap(7) - lo + 1));
    case 'pair': {
      const hi = cap(4);
      const a = lo + rng.int(hi - lo + 1);
      return chance(rng, 0.6) ? String(a) : `[${a}, ${lo + rng.int(hi - lo + 1)}]`;
    }
    case 'number': {
      const hi = Math.min(f.max ?? Infinity, lo + 3);
      const x = lo + rng.next() * 0.9 * (hi - lo);
      return num(f.minExclusive && x <= lo ? lo + (hi - lo) / 100 : x);
    }
    case 'bool':
      return String(chance(rng, 0.5));
    case 'enum': {
      const values = f.values ?? [];
      // Half the time relu or linear for an activation, so that some models take the native step.
      if (values.includes('relu') && chance(rng, 0.5)) return pick(rng, ['relu', 'linear']);
      return pick(rng, values);
    }
    case 'string':
      return `n${rng.int(1_000_000)}`;
  }
}

/** One layer item of the `layers:` list: required fields always, optional ones at random, sometimes the shorthand form. */
function layerText(rng: Random, type: LayerType, classes: number): string {
  const fields = layerFields(type).filter((f) => f.key !== 'name');
  const shorthand = layerDef(type).shorthand;
  const short = fields.find((f) => f.key === shorthand);
  // The short form the language documents: `- activation: relu`, `- dropout: 0.5`.
  if (short && chance(rng, 0.3)) return `${type}: ${fieldValue(rng, short, classes)}`;
  const parts = fields.filter((f) => f.required === true || chance(rng, 0.6)).map((f) => `${f.key}: ${fieldValue(rng, f, classes)}`);
  return `${type}: { ${parts.join(', ')} }`;
}

/** A model file of `layers` (already written) on a random data set, with a random `train` block. */
function modelFile(rng: Random, name: string, ds: { name: string; classes: number }, layers: readonly string[]): string {
  const train = [
    `epochs: ${EPOCHS}`, 'batchSize: 64', `optimizer: ${pick(rng, OPTIMIZERS)}`,
    `learningRate: ${num(10 ** rng.range(-4, -2))}`, `validationSplit: ${pick(rng, [0, 0.1, 0.2])}`, `seed: ${rng.int(1000)}`,
  ];
  return [`name: ${name}`, `dataset: ${ds.name}`, 'layers:', ...layers.map((l) => `  - ${l}`), `train: { ${train.join(', ')} }`, ''].join('\n');
}

/** The usual end of a model: a flattening layer at random, then dense with the class count. */
function head(rng: Random, classes: number): string[] {
  const out = chance(rng, 0.5) ? [pick(rng, ['flatten: {}', 'globalavgpool2d: {}', 'globalmaxpool2d: {}'])] : [];
  return [...out, `dense: { units: ${classes}${chance(rng, 0.8) ? ', activation: softmax' : ''} }`];
}

/** A random model file whose first layer is `first`; most end in a dense layer with the class count. */
function modelText(rng: Random, id: number, first: LayerType): { text: string; dataset: string } {
  const ds = pick(rng, DATASETS);
  const types: LayerType[] = [first];
  const more = rng.int(7);
  for (let k = 0; k < more; k++) types.push(pick(rng, LAYER_TYPES));
  const layers = types.map((ty) => layerText(rng, ty, ds.classes));
  if (chance(rng, 0.9)) layers.push(...head(rng, ds.classes));
  return { text: modelFile(rng, `valid-${id}`, ds, layers), dataset: ds.name };
}

/**
 * First-layer rotation: every layer type but those the language rejects on image input (dense:
 * `missing-flatten`), in the registry's order, so even a small sample starts with the ones that
 * once failed first (dropout, flatten).
 */
const FIRST: readonly LayerType[] = LAYER_TYPES.filter((t) => layerDef(t).traits.kind !== 'dense');

interface Candidate { readonly id: number; readonly text: string; readonly spec: TypedModelSpec }

const accepted = (text: string): TypedModelSpec | null => {
  const a = analyzeModelText(text);
  return a.spec && !a.diagnostics.some((d) => d.severity === 'error') ? a.spec : null;
};

/**
 * Models that together hold every type of `missing`, a few types each in a random order the
 * language accepts (redrawn until it does), with the usual head; ids from `firstId`.
 */
function coverageModels(rng: Random, missing: readonly LayerType[], firstId: number): Candidate[] {
  const out: Candidate[] = [];
  const chunks: LayerType[][] = [];
  const pending = shuffled(rng, missing);
  while (pending.length > 0) chunks.push(pending.splice(0, 4));
  for (let c = 0; c < chunks.length; c++) {
    const chunk = chunks[c] as LayerType[];
    let found: Candidate | null = null;
    for (let attempt = 0; attempt < 400 && !found; attempt++) {
      const ds = pick(rng, DATASETS);
      const layers = [...shuffled(rng, chunk).map((t) => layerText(rng, t, ds.classes)), ...head(rng, ds.classes)];
      const text = modelFile(rng, `cover-${c}`, ds, layers);
      const spec = accepted(text);
      if (spec) found = { id: firstId + out.length, text, spec };
    }
    if (found) out.push(found);
    // A chunk no order of which fits: its types one model each.
    else if (chunk.length > 1) chunks.push(...chunk.map((t) => [t]));
    else throw new Error(`no accepted model with a ${chunk[0] ?? '?'} layer in 400 draws`);
  }
  return out;
}

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
      `train: { epochs: ${EPOCHS}, batchSize: 64, optimizer: sgd, learningRate: 0.01, seed: 5 }`, ''].join('\n');
    const spec = accepted(text);
    if (!spec) throw new Error(`edge model ${k} not accepted: ${analyzeModelText(text).diagnostics.map((d) => d.message).join('; ')}`);
    return { id: firstId + k, text, spec };
  });
}

/** `count` accepted models (no error diagnostics) from seed `seed`; ids are per set. */
function acceptedModels(seed: number, count: number): { models: Candidate[]; tried: number; rng: Random } {
  const rng = new Random(seed);
  const models: Candidate[] = [];
  let tried = 0;
  while (models.length < count && tried < 200 * Math.max(1, count)) {
    const first = FIRST[models.length % FIRST.length] as LayerType;
    const { text } = modelText(rng, models.length, first);
    tried++;
    const spec = accepted(text);
    if (spec) models.push({ id: models.length, text, spec });
  }
  return { models, tried, rng };
}

const typesOf = (models: readonly Candidate[]): Set<string> => new Set(models.flatMap((m) => m.spec.layers.map((l) => l.type)));

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
    const random = suite.backend === 'auto' || suite.backend === 'tensorflow' ? [...drawn.models, ...edgeModels(drawn.models.length)] : drawn.models;
    const have = typesOf(random);
    const models = [...random, ...coverageModels(drawn.rng, LAYER_TYPES.filter((t) => !have.has(t)), random.length)];
    describe(`${suite.backend}: ${models.length} accepted of ${tried} drawn (seed ${suite.seed})`, function () {
      /** Trainings run `concurrency` at a time from the first test on; each test awaits its own. */
      let outcomes: Promise<Outcome>[] | null = null;
      const train = (m: Candidate): Promise<Outcome> => (async () => {
        const t0 = Date.now();
        const t = new TrainerHarness();
        await t.waitFor((msg) => msg.type === 'ready');
        t.send(startRequest(path.join(tmp, `${suite.backend}-${m.id}`), dataDir, m.spec, {
          backend: suite.backend, modelText: m.text, maxTrainSamples: 64, maxTestSamples: 32,
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

      it('draws the requested number of accepted models, every layer type among them, each first at least once', function () {
        assert.equal(drawn.models.length, suite.count, `only ${drawn.models.length} of ${tried} random models were accepted`);
        assert.deepEqual([...typesOf(models)].sort(), [...LAYER_TYPES].sort());
        if (suite.count >= FIRST.length) {
          assert.deepEqual(new Set(drawn.models.map((m) => m.spec.layers[0]?.type)), new Set(FIRST));
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
          assert.equal(epochs.length, EPOCHS, `epochEnd messages${why}`);
          for (const e of epochs) assert.ok(Number.isFinite(e.loss), `loss ${e.loss} on ${o.backend}${why}`);
          assert.equal(new Set(epochs.map((e) => e.numTensors)).size, 1, `tensors leaked: ${epochs.map((e) => e.numTensors).join(', ')} at the epochs' ends${why}`);
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
