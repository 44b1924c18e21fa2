#!/usr/bin/env python3
"""Reference data from real Keras for CNN Lab's shape and parameter inference.

Reads test/fixtures/keras-reference/cases.json (layers in CNN Lab's `*.cnn.yaml` spelling),
builds every case as `keras.Sequential([keras.Input(shape), ...layers])` and writes
test/fixtures/keras-reference/reference.json: per layer the Keras class name, the default Keras
layer name, the output shape (no batch dimension) and the trainable / non-trainable parameter
counts; per case the model's total parameters; or, where Keras refuses to build the case, the
first line of its error and the index of the layer it is about.

Run it in the benchmark's venv (bench/lib/python.ts), which has tensorflow-cpu 2.21.0:

    python3 -m venv ~/.cache/cnn-lab/bench-venv
    ~/.cache/cnn-lab/bench-venv/bin/python -m pip install tensorflow-cpu==2.21.0
    ~/.cache/cnn-lab/bench-venv/bin/python scripts/keras-reference.py

The unit test test/unit/core/kerasReference.test.ts compares CNN Lab's analysis with the output.
"""
import json
import math
import os
import re
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import tensorflow as tf  # noqa: E402
import keras  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "test", "fixtures", "keras-reference")
CASES = os.path.join(FIXTURES, "cases.json")
REFERENCE = os.path.join(FIXTURES, "reference.json")


def snake(name):
    """`useBias` → `use_bias`, `hardSigmoid` → `hard_sigmoid`; snake_case stays as it is."""
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def pair(v):
    return tuple(v) if isinstance(v, (list, tuple)) else (v, v)


# CNN Lab field (snake_case) → Keras argument where the names differ.
RENAMES = {
    "kernel": "kernel_size",
    "pool": "pool_size",
}


def fields(raw):
    """CNN Lab fields (camelCase or snake_case aliases) → snake_case dict."""
    out = {}
    for k, v in (raw or {}).items():
        k = snake(k)
        if k in out:
            raise ValueError(f"field {k} given twice")
        out[k] = v
    return out


def activation(v):
    return snake(v) if isinstance(v, str) else v


def translate(entry):
    """One `{ "<type>": { ...fields } }` item → a fresh Keras layer."""
    if not isinstance(entry, dict) or len(entry) != 1:
        raise ValueError(f"a layer is a one-key map, got {entry!r}")
    (ltype, raw), = entry.items()
    f = fields(raw)
    kw = {}
    if "name" in f:
        kw["name"] = f.pop("name")

    def take(key, default=None, to=None, conv=None):
        if key in f:
            v = f.pop(key)
        elif default is not None:
            v = default
        else:
            return
        kw[to or RENAMES.get(key, key)] = conv(v) if conv else v

    L = keras.layers
    if ltype == "conv2d":
        take("filters"); take("kernel", conv=pair); take("strides", 1, conv=pair); take("padding", "valid")
        take("activation", "linear", conv=activation); take("use_bias", True)
        cls = L.Conv2D
    elif ltype == "separableconv2d":
        take("filters"); take("kernel", conv=pair); take("strides", 1, conv=pair); take("padding", "valid")
        take("depth_multiplier", 1); take("activation", "linear", conv=activation); take("use_bias", True)
        cls = L.SeparableConv2D
    elif ltype == "depthwiseconv2d":
        take("kernel", conv=pair); take("strides", 1, conv=pair); take("padding", "valid")
        take("depth_multiplier", 1); take("activation", "linear", conv=activation); take("use_bias", True)
        cls = L.DepthwiseConv2D
    elif ltype in ("maxpool2d", "avgpool2d"):
        pool = pair(f.get("pool", 2))
        take("pool", pool, conv=pair); take("strides", pool, conv=pair); take("padding", "valid")
        cls = L.MaxPooling2D if ltype == "maxpool2d" else L.AveragePooling2D
    elif ltype == "globalavgpool2d":
        cls = L.GlobalAveragePooling2D
    elif ltype == "globalmaxpool2d":
        cls = L.GlobalMaxPooling2D
    elif ltype == "flatten":
        cls = L.Flatten
    elif ltype == "dense":
        take("units"); take("activation", "linear", conv=activation); take("use_bias", True)
        cls = L.Dense
    elif ltype == "dropout":
        take("rate")
        cls = L.Dropout
    elif ltype == "spatialdropout2d":
        take("rate")
        cls = L.SpatialDropout2D
    elif ltype == "batchnorm":
        take("momentum", 0.99); take("epsilon", 0.001)
        cls = L.BatchNormalization
    elif ltype == "activation":
        take("activation", conv=activation)
        cls = L.Activation
    elif ltype == "zeropadding2d":
        take("padding", 1, conv=pair)
        cls = L.ZeroPadding2D
    elif ltype == "leakyrelu":
        take("negative_slope", 0.3)
        cls = L.LeakyReLU
    elif ltype == "elu":
        take("alpha", 1.0)
        cls = L.ELU
    elif ltype in ("gelu", "swish"):
        kw["activation"] = ltype
        cls = L.Activation
    else:
        raise ValueError(f"unknown CNN Lab layer type {ltype!r}")
    if f:
        raise ValueError(f"{ltype}: fields the translator does not know: {sorted(f)}")
    return cls(**kw)


def count(weights):
    return int(sum(math.prod(w.shape) for w in weights))


def first_line(err):
    """The exception's first line; under Keras's "Exception encountered when calling X.call()."
    wrapper, the first line of the wrapped message (ANSI bold codes removed)."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(err))
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()] or [type(err).__name__]
    if len(lines) > 1 and lines[0].startswith("Exception encountered when calling"):
        return lines[1]
    return lines[0]


def failing_layer(case):
    """Index of the first layer Keras refuses, applying fresh layers one at a time."""
    keras.backend.clear_session()
    x = keras.Input(shape=tuple(case["input"]))
    for i, entry in enumerate(case["layers"]):
        try:
            x = translate(entry)(x)
        except Exception:  # noqa: BLE001 - any refusal counts
            return i
    return None


def run_case(case):
    # The case as built, so the test can tell a reference.json older than cases.json.
    given = {"input": case["input"], "layers": case["layers"]}
    keras.backend.clear_session()
    layers = [translate(e) for e in case["layers"]]
    try:
        model = keras.Sequential([keras.Input(shape=tuple(case["input"]))] + layers)
    except Exception as err:  # noqa: BLE001 - Keras raises ValueError, TypeError, tf errors...
        return {"id": case["id"], "case": given, "error": first_line(err), "errorLayer": failing_layer(case)}
    out = []
    for layer in model.layers:
        shape = layer.output.shape
        out.append({
            "class": type(layer).__name__,
            "name": layer.name,
            "outputShape": [int(d) for d in shape[1:]],
            "trainableParams": count(layer.trainable_weights),
            "nonTrainableParams": count(layer.non_trainable_weights),
        })
    return {"id": case["id"], "case": given, "layers": out, "totalParams": int(model.count_params())}


def main():
    with open(CASES, encoding="utf-8") as fh:
        cases = json.load(fh)
    ids = [c["id"] for c in cases]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        sys.exit(f"duplicate case ids: {dup}")
    results = []
    for case in cases:
        r = run_case(case)
        results.append(r)
        tag = f"error at layer {r['errorLayer']}: {r['error']}" if "error" in r else f"{len(r['layers'])} layers, {r['totalParams']} params"
        print(f"{case['id']}: {tag}", file=sys.stderr)
    doc = {
        "generatedBy": "scripts/keras-reference.py",
        "keras": keras.__version__,
        "tensorflow": tf.__version__,
        "backend": keras.backend.backend(),
        "cases": results,
    }
    with open(REFERENCE, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, indent=2, ensure_ascii=False)
        fh.write("\n")
    print(f"wrote {os.path.relpath(REFERENCE, ROOT)}: {len(results)} cases "
          f"({sum('error' in r for r in results)} refused by Keras)", file=sys.stderr)


if __name__ == "__main__":
    main()
