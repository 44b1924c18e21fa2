"""Keras and PyTorch runs for `npm run bench` (bench/run.ts starts this file, one process per run).

Reads one JSON request on stdin, trains the model the CNN Lab model spec describes on the exact
training samples the benchmark exported (raw uint8 HWC images and uint8 labels), and prints one
JSON line: per-epoch seconds of training only, parameter count, versions, and the framework's
training mode. Or, with `"task": "peak"`, times a large float32 matmul (the machine's attainable
FLOP/s in that framework).

Same model, same data, same batch size, same optimizer, same thread count as CNN Lab's trainer:
- Keras: `model.fit` as the Keras examples do (a compiled `tf.function`; Keras 3 turns XLA off on
  CPU-only machines), categorical cross-entropy on one-hot labels, shuffling each epoch.
- PyTorch: the plain eager loop of the PyTorch tutorials (NCHW tensors, `nn.CrossEntropyLoss`
  on the logits of the last layer, whose softmax is folded into the loss as PyTorch models do).
"""
import json
import os
import sys
import time


def read_data(req):
    import numpy as np
    h, w, c = req["inputShape"]
    n = req["count"]
    images = np.fromfile(req["images"], dtype=np.uint8, count=n * h * w * c).reshape(n, h, w, c)
    labels = np.fromfile(req["labels"], dtype=np.uint8, count=n).astype(np.int64)
    return images.astype(np.float32) / 255.0, labels


def keras_run(req):
    threads = req["threads"]
    import tensorflow as tf
    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    import keras
    from keras import layers
    import numpy as np

    spec = req["spec"]
    keras.utils.set_random_seed(spec["train"]["seed"])
    model = keras.Sequential([keras.Input(shape=tuple(spec["inputShape"]))])
    # The language's activation names (tfjs's) as Keras spells them.
    act = lambda a: {"hardSigmoid": "hard_sigmoid"}.get(a, a)
    for l in spec["layers"]:
        t = l["type"]
        if t == "conv2d":
            model.add(layers.Conv2D(l["filters"], tuple(l["kernel"]), strides=tuple(l["strides"]), padding=l["padding"],
                                    activation=act(l["activation"]), use_bias=l["useBias"]))
        elif t == "maxpool2d":
            model.add(layers.MaxPooling2D(tuple(l["pool"]), strides=tuple(l["strides"]), padding=l["padding"]))
        elif t == "avgpool2d":
            model.add(layers.AveragePooling2D(tuple(l["pool"]), strides=tuple(l["strides"]), padding=l["padding"]))
        elif t == "globalavgpool2d":
            model.add(layers.GlobalAveragePooling2D())
        elif t == "batchnorm":
            model.add(layers.BatchNormalization(momentum=l["momentum"], epsilon=l["epsilon"]))
        elif t == "activation":
            model.add(layers.Activation(act(l["activation"])))
        elif t == "flatten":
            model.add(layers.Flatten())
        elif t == "dropout":
            model.add(layers.Dropout(l["rate"]))
        elif t == "dense":
            model.add(layers.Dense(l["units"], activation=act(l["activation"]), use_bias=l["useBias"]))
        else:
            raise ValueError(f"bench peers do not build {t} layers")
    tr = spec["train"]
    opt = {"adam": keras.optimizers.Adam, "rmsprop": keras.optimizers.RMSprop, "sgd": keras.optimizers.SGD,
           "adagrad": keras.optimizers.Adagrad, "adamax": keras.optimizers.Adamax}[tr["optimizer"]](learning_rate=tr["learningRate"])
    model.compile(optimizer=opt, loss="categorical_crossentropy", metrics=["accuracy"])
    x, y = read_data(req)
    y1 = keras.utils.to_categorical(y, spec["numClasses"] or 10)

    class Timer(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.seconds = []
            self.t0 = 0.0

        def on_epoch_begin(self, epoch, logs=None):
            self.t0 = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds.append(time.perf_counter() - self.t0)

    timer = Timer()
    hist = model.fit(x, y1, batch_size=tr["batchSize"], epochs=req["epochs"], shuffle=True, verbose=0, callbacks=[timer])
    return {
        "epochSeconds": timer.seconds,
        "params": int(model.count_params()),
        "finalAcc": float(hist.history["accuracy"][-1]),
        "versions": {"tensorflow": tf.__version__, "keras": keras.__version__},
        "mode": f"model.fit, tf.function graph, jit_compile={model.jit_compile}",
        "threads": {"intra": tf.config.threading.get_intra_op_parallelism_threads(), "inter": tf.config.threading.get_inter_op_parallelism_threads()},
    }


def torch_run(req):
    import torch
    from torch import nn
    torch.set_num_threads(req["threads"])
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    spec = req["spec"]
    torch.manual_seed(spec["train"]["seed"])
    h, w, c = spec["inputShape"]
    mods = []
    shape = (c, h, w)

    def add(m):
        nonlocal shape
        mods.append(m)
        with torch.no_grad():
            shape = tuple(m(torch.zeros(1, *shape)).shape[1:])

    def same_pad(k, s):
        # TensorFlow's `same` for a stride above 1: out = ceil(in / s), the extra padding after.
        pads = []
        for size, kk, ss in reversed(list(zip(shape[1:], k, s))):
            out = -(-size // ss)
            total = max((out - 1) * ss + kk - size, 0)
            pads += [total // 2, total - total // 2]
        return nn.ZeroPad2d(tuple(pads))

    activations = {
        "relu": nn.ReLU, "relu6": nn.ReLU6, "elu": nn.ELU, "selu": nn.SELU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh,
        "softplus": nn.Softplus, "softsign": nn.Softsign, "swish": nn.SiLU, "gelu": nn.GELU,
    }
    for idx, l in enumerate(spec["layers"]):
        t = l["type"]
        last = idx == len(spec["layers"]) - 1
        act = None
        if t == "conv2d":
            k, st = tuple(l["kernel"]), tuple(l["strides"])
            pad = 0
            if l["padding"] == "same":
                if st == (1, 1):
                    pad = "same"
                else:
                    add(same_pad(k, st))
            add(nn.Conv2d(shape[0], l["filters"], k, stride=st, padding=pad, bias=l["useBias"]))
            act = l["activation"]
        elif t in ("maxpool2d", "avgpool2d"):
            if l["padding"] != "valid":
                raise ValueError("bench peers build valid pooling only")
            pool = nn.MaxPool2d if t == "maxpool2d" else nn.AvgPool2d
            add(pool(tuple(l["pool"]), stride=tuple(l["strides"])))
        elif t == "globalavgpool2d":
            add(nn.AdaptiveAvgPool2d(1))
            add(nn.Flatten())
        elif t == "batchnorm":
            # PyTorch's momentum is the weight of the new batch: 1 − Keras's.
            if len(shape) == 3:
                add(nn.BatchNorm2d(shape[0], eps=l["epsilon"], momentum=1 - l["momentum"]))
            else:
                add(nn.BatchNorm1d(shape[0], eps=l["epsilon"], momentum=1 - l["momentum"]))
        elif t == "activation":
            act = l["activation"]
        elif t == "flatten":
            add(nn.Flatten())
        elif t == "dropout":
            add(nn.Dropout(l["rate"]))
        elif t == "dense":
            add(nn.Linear(shape[0], l["units"], bias=l["useBias"]))
            act = l["activation"]
        else:
            raise ValueError(f"bench peers do not build {t} layers")
        if act in activations:
            add(activations[act]())
        elif act == "softmax" and not last:
            add(nn.Softmax(dim=1))
        elif act not in (None, "linear", "softmax"):
            raise ValueError(f"bench peers do not build activation {act}")
    model = nn.Sequential(*mods)
    tr = spec["train"]
    lr = tr["learningRate"]
    # Keras's defaults where PyTorch's differ (RMSprop alpha 0.99 → 0.9, eps 1e-8 → 1e-7).
    opt = {
        "adam": lambda p: torch.optim.Adam(p, lr=lr, eps=1e-7),
        "rmsprop": lambda p: torch.optim.RMSprop(p, lr=lr, alpha=0.9, eps=1e-7),
        "sgd": lambda p: torch.optim.SGD(p, lr=lr),
        "adagrad": lambda p: torch.optim.Adagrad(p, lr=lr, initial_accumulator_value=0.1, eps=1e-7),
        "adamax": lambda p: torch.optim.Adamax(p, lr=lr, eps=1e-7),
    }[tr["optimizer"]](model.parameters())
    loss_fn = nn.CrossEntropyLoss()
    x, y = read_data(req)
    xs = torch.from_numpy(x).permute(0, 3, 1, 2).contiguous()
    ys = torch.from_numpy(y)
    bs = tr["batchSize"]
    n = xs.shape[0]
    seconds = []
    correct = 0
    model.train()
    for _ in range(req["epochs"]):
        t0 = time.perf_counter()
        perm = torch.randperm(n)
        correct = 0
        for s in range(0, n, bs):
            idx = perm[s:s + bs]
            xb, yb = xs[idx], ys[idx]
            opt.zero_grad(set_to_none=True)
            out = model(xb)
            loss = loss_fn(out, yb)
            loss.backward()
            opt.step()
            correct += int((out.argmax(1) == yb).sum())
        seconds.append(time.perf_counter() - t0)
    return {
        "epochSeconds": seconds,
        # As Keras counts them: batch norm's running mean and variance are weights there, buffers here.
        "params": int(sum(p.numel() for p in model.parameters())
                      + sum(b.numel() for name, b in model.named_buffers() if name.endswith(("running_mean", "running_var")))),
        "finalAcc": correct / n,
        "versions": {"torch": torch.__version__},
        "mode": "eager training loop (NCHW)",
        "threads": {"intra": torch.get_num_threads(), "inter": torch.get_num_interop_threads()},
    }


def peak(req):
    n = req["size"]
    reps = req["reps"]
    if req["framework"] == "keras":
        import tensorflow as tf
        tf.config.threading.set_intra_op_parallelism_threads(req["threads"])
        tf.config.threading.set_inter_op_parallelism_threads(1)
        a = tf.random.uniform((n, n))
        b = tf.random.uniform((n, n))
        mm = tf.function(lambda: tf.linalg.matmul(a, b))
        mm().numpy()
        best = float("inf")
        for _ in range(reps):
            t0 = time.perf_counter()
            mm().numpy()
            best = min(best, time.perf_counter() - t0)
    else:
        import torch
        torch.set_num_threads(req["threads"])
        a = torch.rand(n, n)
        b = torch.rand(n, n)
        torch.mm(a, b)
        best = float("inf")
        for _ in range(reps):
            t0 = time.perf_counter()
            torch.mm(a, b)
            best = min(best, time.perf_counter() - t0)
    return {"flops": 2 * n ** 3 / best, "seconds": best}


def main():
    req = json.loads(sys.stdin.read())
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if req.get("task") == "peak":
        out = peak(req)
    elif req["framework"] == "keras":
        out = keras_run(req)
    else:
        out = torch_run(req)
    print("RESULT " + json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
