"""Keras's side of test/process/keras/kerasInterop.test.ts (TensorFlow 2.21, Keras 3.15).

    python kerascheck.py versions
    python kerascheck.py predict INPUT.f32 N H W C OUT_DIR MODEL...
        loads each model with keras.saving.load_model (.keras or .h5) and writes its predictions
        on the N images of INPUT (float32, N x H x W x C) to OUT_DIR/<model file name>.f32;
        prints one JSON line per model (its layers' classes, whether it came compiled)
    python kerascheck.py configs OUT.json
        the configs Keras writes for those models (config.json of the .keras file, model_config
        and training_config of the .h5), the unit tests' fixture (test/unit/host/keras/fixtures)
    python kerascheck.py build OUT_DIR
        builds Keras models that use every layer type CNN Lab has, with random weights and
        BatchNormalization statistics, saves each as .keras and as legacy .h5, and models CNN Lab
        must refuse (Functional, dilation_rate, a regularizer, ...) as .keras; prints their names
"""
import json
import os
import sys
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import keras  # noqa: E402
from keras import layers  # noqa: E402


def versions():
    import tensorflow as tf
    print(json.dumps({"keras": keras.__version__, "tensorflow": tf.__version__}))


def predict(input_file, n, h, w, c, out_dir, models):
    x = np.fromfile(input_file, np.float32).reshape(int(n), int(h), int(w), int(c))
    for path in models:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model = keras.saving.load_model(path)
        y = model.predict(x, batch_size=50, verbose=0).astype(np.float32)
        y.tofile(os.path.join(out_dir, os.path.basename(path) + ".f32"))
        print(json.dumps({
            "model": os.path.basename(path), "shape": list(y.shape),
            "classes": [l.__class__.__name__ for l in model.layers],
            "compiled": model.optimizer is not None,
            "warnings": [str(m.message)[:300] for m in caught],
        }), flush=True)


def good_models():
    inp = keras.Input((28, 28, 1))
    every = keras.Sequential([
        inp,
        layers.Conv2D(6, 3, padding="same", activation="relu"),
        layers.BatchNormalization(),
        layers.SeparableConv2D(8, 3, depth_multiplier=2, activation="elu"),
        layers.DepthwiseConv2D(3, strides=2, padding="same", depth_multiplier=2),
        layers.LeakyReLU(0.2),
        layers.ZeroPadding2D(((1, 1), (2, 2))),
        layers.MaxPooling2D(2),
        layers.SpatialDropout2D(0.1),
        layers.ELU(0.7),
        layers.AveragePooling2D(3, strides=1, padding="same"),
        layers.Activation("gelu"),
        layers.GlobalMaxPooling2D(),
        layers.Dense(16, activation="tanh"),
        layers.Activation("swish"),
        layers.Dropout(0.2),
        layers.Dense(10),
        layers.Activation("softmax"),
    ], name="keras_every_layer")
    flat = keras.Sequential([
        keras.Input((28, 28, 1)),
        layers.Conv2D(4, (3, 5), strides=2, use_bias=False, activation="selu"),
        layers.AveragePooling2D(2),
        layers.BatchNormalization(momentum=0.9, epsilon=0.01),
        layers.Flatten(),
        layers.Dense(12, activation="softplus"),
        layers.Dense(10, activation="softmax", name="predictions"),
    ], name="keras_flatten")
    logits = keras.Sequential([
        keras.Input((28, 28, 1)),
        layers.Conv2D(8, 3, activation="relu6"),
        layers.SeparableConv2D(8, 3, use_bias=False, activation="softsign"),
        layers.GlobalAveragePooling2D(),
        # CNN Lab's hardSigmoid, clip(0.2 x + 0.5, 0, 1), in Keras's built-in layers (not hard_sigmoid).
        layers.Rescaling(0.2, offset=0.5),
        layers.ReLU(max_value=1.0),
        layers.Dense(10),
    ], name="keras_logits")
    every.compile(optimizer=keras.optimizers.Adam(0.002), loss="categorical_crossentropy", metrics=["accuracy"])
    flat.compile(optimizer=keras.optimizers.RMSprop(0.0005), loss="categorical_crossentropy", metrics=["accuracy"])
    logits.compile(optimizer=keras.optimizers.SGD(0.01), loss=keras.losses.CategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    return [every, flat, logits]


def bad_models():
    """Each with the layer and setting CNN Lab must name."""
    x = keras.Input((28, 28, 1))
    y = layers.Dense(10)(layers.Flatten()(layers.Conv2D(4, 3)(x)))
    frozen = layers.Dense(10)
    frozen.trainable = False
    return {
        "functional": keras.Model(x, y, name="functional"),
        "dilated": keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(4, 3), layers.Conv2D(4, 3, dilation_rate=2), layers.Flatten(), layers.Dense(10)]),
        "regularized": keras.Sequential([keras.Input((28, 28, 1)), layers.Flatten(), layers.Dense(10, kernel_regularizer=keras.regularizers.L2(0.01))]),
        "unknown_layer": keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(4, 3), layers.LayerNormalization(), layers.Flatten(), layers.Dense(10)]),
        "frozen": keras.Sequential([keras.Input((28, 28, 1)), layers.Flatten(), frozen]),
        "hard_sigmoid": keras.Sequential([keras.Input((28, 28, 1)), layers.Flatten(), layers.Dense(10, activation="hard_sigmoid")]),
    }


def build(out_dir):
    keras.utils.set_random_seed(1)
    rng = np.random.default_rng(2)
    for m in good_models():
        for layer in m.layers:
            if isinstance(layer, layers.BatchNormalization):
                gamma, beta, mean, var = layer.get_weights()
                layer.set_weights([rng.uniform(0.5, 1.5, gamma.shape), rng.normal(0, 0.2, beta.shape),
                                   rng.normal(0, 0.3, mean.shape), rng.uniform(0.5, 2, var.shape)])
            elif layer.get_weights():
                # Non-zero biases too, so that their place in the file matters.
                layer.set_weights([w + rng.normal(0, 0.05, w.shape) for w in layer.get_weights()])
        m.save(os.path.join(out_dir, m.name + ".keras"))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m.save(os.path.join(out_dir, m.name + ".h5"))
        print(json.dumps({"good": m.name}), flush=True)
    for name, m in bad_models().items():
        m.save(os.path.join(out_dir, name + ".keras"))
        print(json.dumps({"bad": name}), flush=True)


def strip_ids(v):
    """Without `shared_object_id` (a memory address, different in every run)."""
    if isinstance(v, dict):
        return {k: strip_ids(x) for k, x in v.items() if k != "shared_object_id"}
    if isinstance(v, list):
        return [strip_ids(x) for x in v]
    return v


def configs(out_file):
    import tempfile
    import zipfile
    import h5py
    import tensorflow as tf
    keras.utils.set_random_seed(1)
    out = {"keras_version": keras.__version__, "tensorflow_version": tf.__version__, "models": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for m in good_models():
            m.save(os.path.join(tmp, "m.keras"))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                m.save(os.path.join(tmp, "m.h5"))
            with zipfile.ZipFile(os.path.join(tmp, "m.keras")) as z:
                keras_config = json.loads(z.read("config.json"))
            with h5py.File(os.path.join(tmp, "m.h5")) as f:
                h5 = {k: json.loads(f.attrs[k]) for k in ("model_config", "training_config")}
            out["models"][m.name] = strip_ids({"keras": keras_config, "h5": h5})
    with open(out_file, "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "versions":
        versions()
    elif cmd == "predict":
        predict(args[0], args[1], args[2], args[3], args[4], args[5], args[6:])
    elif cmd == "configs":
        configs(args[0])
    elif cmd == "build":
        build(args[0])
    else:
        sys.exit(f"unknown command {cmd}")
