"""What a whole fit of the default network costs, against the same network by hand.

Run from the repository root::

    python -m benchmarks training_cost --quick     # about 10 minutes
    python -m benchmarks training_cost             # every scenario, more rounds

The network is the package's default without the step-to-step changes and with
strided convolutions (``differences=False, conv_downsampling="stride"``, the
defaults' network before sklearn_rnn 0.2.0 changed both, which the hand-written
peers build): three convolutional blocks (64 filters,
kernels 8/5/3, strides 2/2/1, batch normalisation, ReLU), a bidirectional
LSTM(64) whose outputs are max-pooled over time, a softmax. Every contestant
trains it with Adam at a constant learning rate of 1e-3 for every epoch (the
package with ``lr_schedule=None, tol=None, augmentation=None``, so
that the hand-written loops do the same work):

``ours`` / ``ours_jax`` / ``ours_torch``
    ``RNNSequenceClassifier`` on the TensorFlow, JAX and PyTorch Keras backends.
``keras``
    The same network written by hand with Keras layers (``model.fit``, TensorFlow).
``torch``
    The same network written by hand in PyTorch (``nn.Conv1d``, ``nn.BatchNorm1d``,
    ``nn.LSTM(bidirectional=True)``, a loop over shuffled batches).

Scenarios: ``shape`` (512 random series x 300 steps x 1 feature, batch 32, a few
epochs: the steady epoch and a short fit) and whole 100-epoch fits at the sizes
of aeon's ArrowHead (36 x 251), GunPoint (50 x 150) and OSULeaf (200 x 427) with
the package's ``batch_size="auto"`` (a tenth of the series, 4 to 32) for everyone.

Each run is a fresh interpreter; the contestants take turns in each round (the
order reversed every other round) and each waits until the other processes leave
the cores idle. Reported per contestant: the whole fit (build, trace, train), the
time to the end of the first batch, the first epoch and the steady epoch (median
of epochs 2..E); per pair the median of the per-round ratios with their range.
Results go to ``benchmarks/results/training_cost.json`` and ``.md``.
"""

import argparse
import contextlib
import datetime
import importlib.util
import json
import os
import sys
import time
from pathlib import Path

from . import _report
from ._harness import (
    backend_threads,
    cpu_seconds,
    machine_info,
    median,
    other_processes_busy,
    round_robin,
    wait_until_quiet,
)

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"

FILTERS, KERNELS, STRIDES = 64, (8, 5, 3), (2, 2, 1)
UNITS, N_CLASSES, LEARNING_RATE = 64, 4, 1e-3

SCENARIOS = {
    # name: (n_series, n_steps, batch size, epochs quick, epochs full)
    "shape": (512, 300, 32, 3, 5),
    "ArrowHead": (36, 251, "auto", 100, 100),
    "GunPoint": (50, 150, "auto", 100, 100),
    "OSULeaf": (200, 427, "auto", 100, 100),
}
SETTINGS = {
    "quick": {"scenarios": ("shape", "ArrowHead"), "rounds": 3},
    "full": {"scenarios": tuple(SCENARIOS), "rounds": 3},
}
CONTESTANTS = ("ours", "keras", "torch", "ours_jax", "ours_torch")
BACKEND = {"ours_jax": "jax", "ours_torch": "torch"}
RATIOS = (("ours", "torch"), ("ours", "keras"), ("ours_jax", "torch"),
          ("ours_torch", "torch"), ("ours_jax", "ours"), ("ours_torch", "ours"))


def resolve_batch_size(batch_size, n_series):
    if batch_size != "auto":
        return batch_size
    from sklearn_rnn._parameters import auto_batch_size

    return auto_batch_size(n_series)


def make_data(n_series, n_steps, seed=0):
    """Noise with a class-dependent bump, channels last, one feature."""
    import numpy as np

    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_series, n_steps, 1)).astype(np.float32)
    y = rng.integers(0, N_CLASSES, size=n_series)
    where = ((y + 0.5) * n_steps / N_CLASSES).astype(int)
    X[np.arange(n_series), where, 0] += 3.0
    return X, y


# ------------------------------------------------------------- contestants
class _Clock:
    """Wall clock at the end of the first batch and of every epoch."""

    def __init__(self):
        self.first_batch = None
        self.epoch_ends = []
        self.cpu_ends = []

    def batch_end(self):
        if self.first_batch is None:
            self.first_batch = time.perf_counter()

    def epoch_end(self):
        self.epoch_ends.append(time.perf_counter())
        self.cpu_ends.append(cpu_seconds())

    def keras_callback(self):
        import keras

        clock = self

        class Clock(keras.callbacks.Callback):
            def on_train_batch_end(self, batch, logs=None):
                clock.batch_end()

            def on_epoch_end(self, epoch, logs=None):
                clock.epoch_end()

        return Clock()


@contextlib.contextmanager
def _clock_every_keras_fit(clock):
    """Add the clock to every ``keras.Model.fit`` call in the block and to the
    package's own batch loop (length buckets, augmentation)."""
    import keras

    from sklearn_rnn import _fitting

    fit, loop = keras.Model.fit, _fitting.fit_on_batches

    def clocked_fit(self, *args, callbacks=None, **kwargs):
        return fit(self, *args, callbacks=[*(callbacks or []), clock.keras_callback()],
                   **kwargs)

    def clocked_loop(*args, callbacks=(), **kwargs):
        return loop(*args, callbacks=[*callbacks, clock.keras_callback()], **kwargs)

    keras.Model.fit, _fitting.fit_on_batches = clocked_fit, clocked_loop
    try:
        yield
    finally:
        keras.Model.fit, _fitting.fit_on_batches = fit, loop


def train_ours(X, y, batch_size, epochs, clock):
    from sklearn_rnn import RNNSequenceClassifier

    from ._models import EARLIER_NETWORK

    clf = RNNSequenceClassifier(batch_size=batch_size, epochs=epochs, lr_schedule=None,
                                tol=None, augmentation=None, **EARLIER_NETWORK,
                                learning_rate=LEARNING_RATE, random_state=0)
    with _clock_every_keras_fit(clock):
        clf.fit(X, y)
    return clf.history_["loss"][-1], {"jit_compile_": bool(clf.jit_compile_)}


def keras_network(n_features):
    """The default network written by hand with Keras layers (padding as the
    package's blocks pad: ``(k - 1) // 2`` steps before, ``k // 2`` after)."""
    import keras

    layers = [keras.Input((None, n_features))]
    for kernel, stride in zip(KERNELS, STRIDES, strict=True):
        layers += [keras.layers.ZeroPadding1D(((kernel - 1) // 2, kernel // 2)),
                   keras.layers.Conv1D(FILTERS, kernel, strides=stride, use_bias=False),
                   keras.layers.BatchNormalization(), keras.layers.ReLU()]
    layers += [keras.layers.Bidirectional(keras.layers.LSTM(UNITS, return_sequences=True)),
               keras.layers.GlobalMaxPooling1D(),
               keras.layers.Dense(N_CLASSES, activation="softmax")]
    model = keras.Sequential(layers)
    model.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def train_keras(X, y, batch_size, epochs, clock):
    import keras

    keras.utils.set_random_seed(0)
    model = keras_network(X.shape[-1])
    history = model.fit(X, y, batch_size=batch_size, epochs=epochs, shuffle=True,
                        verbose=0, callbacks=[clock.keras_callback()])
    return history.history["loss"][-1], {"jit_compile": bool(model.jit_compile)}


def train_torch(X, y, batch_size, epochs, clock):
    import torch
    from torch import nn

    torch.set_num_threads(os.cpu_count())
    torch.manual_seed(0)

    class DefaultNetwork(nn.Module):
        def __init__(self, n_features):
            super().__init__()
            blocks, channels = [], n_features
            for kernel, stride in zip(KERNELS, STRIDES, strict=True):
                blocks += [nn.ConstantPad1d(((kernel - 1) // 2, kernel // 2), 0.0),
                           nn.Conv1d(channels, FILTERS, kernel, stride, bias=False),
                           nn.BatchNorm1d(FILTERS, eps=1e-3, momentum=0.01), nn.ReLU()]
                channels = FILTERS
            self.front_end = nn.Sequential(*blocks)
            self.lstm = nn.LSTM(FILTERS, UNITS, batch_first=True, bidirectional=True)
            self.out = nn.Linear(2 * UNITS, N_CLASSES)

        def forward(self, x):  # x: (batch, steps, features)
            x = self.front_end(x.transpose(1, 2)).transpose(1, 2)
            x, _ = self.lstm(x)
            return self.out(x.max(dim=1).values)

    model = DefaultNetwork(X.shape[-1])
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE, eps=1e-7)
    criterion = nn.CrossEntropyLoss()
    X_t, y_t = torch.from_numpy(X), torch.from_numpy(y).long()
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(X_t))
        for i in range(0, len(X_t), batch_size):
            batch = order[i:i + batch_size]
            optimizer.zero_grad()
            loss = criterion(model(X_t[batch]), y_t[batch])
            loss.backward()
            optimizer.step()
            clock.batch_end()
        clock.epoch_end()
    return loss.item(), {}


TRAINERS = {"ours": train_ours, "ours_jax": train_ours, "ours_torch": train_ours,
            "keras": train_keras, "torch": train_torch}


def worker(spec):
    n_series, n_steps, batch_size, *_ = SCENARIOS[spec["scenario"]]
    X, y = make_data(n_series, n_steps)
    contestant, epochs = spec["contestant"], spec["epochs"]
    batch_size = resolve_batch_size(batch_size, n_series)
    # Imports outside the timed region, for every contestant alike.
    if contestant == "torch":
        import torch  # noqa: F401

        # PyTorch's optimizers import torch._dynamo on their first step (1.4-1.5 s
        # on 2 cores): a one-time import, not training.
        import torch._dynamo  # noqa: F401
    else:
        import keras

        keras.utils.set_random_seed(0)
        if contestant.startswith("ours"):
            import sklearn_rnn._classifier  # noqa: F401
    busy = wait_until_quiet() if spec.get("wait_until_quiet", True) \
        else other_processes_busy()
    load_before = os.getloadavg()[0]
    clock = _Clock()
    start = time.perf_counter()
    loss, extra = TRAINERS[contestant](X, y, batch_size, epochs, clock)
    end = time.perf_counter()
    epochs_run = len(clock.epoch_ends)
    epoch_seconds = [b - a for a, b in zip(clock.epoch_ends[:-1], clock.epoch_ends[1:],
                                             strict=True)]
    return {
        "contestant": contestant, "scenario": spec["scenario"], "epochs": epochs_run,
        "batch_size": batch_size,
        "fit_seconds": end - start,
        "first_batch_seconds": clock.first_batch - start,
        "first_epoch_seconds": clock.epoch_ends[0] - start,
        "steady_epoch_seconds": median(epoch_seconds),
        # Names _round_robin logs (sequences per second).
        "steady_seq_per_s": n_series / median(epoch_seconds),
        "fit_seq_per_s": n_series * epochs_run / (end - start),
        "other_processes_cores_busy": busy,
        "load_average_1min": [load_before, os.getloadavg()[0]],
        "final_loss": float(loss), "threads": backend_threads(), **extra,
    }


# ------------------------------------------------------------------ runner
def _ratio(rounds, a, b, key):
    """Median over rounds of the per-round speed ratio ``a`` / ``b`` (time of
    ``b`` over time of ``a``), and its range."""
    per_round = [y[key] / x[key] for x, y in zip(rounds[a], rounds[b], strict=True)]
    return {"median": median(per_round), "min": min(per_round), "max": max(per_round)}


TIMES = ("fit_seconds", "first_batch_seconds", "first_epoch_seconds",
         "steady_epoch_seconds")


def measure(scenario, epochs, contestants, rounds, log, wait=True):
    def run(contestant):
        spec = {"contestant": contestant, "scenario": scenario, "epochs": epochs,
                "wait_until_quiet": wait}
        return _report.run_json_worker(
            "benchmarks.training_cost", [json.dumps(spec)],
            env={"KERAS_BACKEND": BACKEND.get(contestant, "tensorflow")}, timeout=3600)

    per_round = round_robin(list(contestants), rounds, run, log, scenario)
    summary = {c: {key: median([r[key] for r in runs]) for key in (*TIMES, "final_loss",
                                                                   "other_processes_cores_busy")}
               for c, runs in per_round.items()}
    for c, runs in per_round.items():
        summary[c]["batch_size"] = runs[0]["batch_size"]
        summary[c]["jit_compile"] = runs[0].get("jit_compile_", runs[0].get("jit_compile"))
    ratios = {f"{a}/{b}": {key: _ratio(per_round, a, b, key)
                           for key in ("steady_epoch_seconds", "fit_seconds")}
              for a, b in RATIOS if a in per_round and b in per_round}
    return {"epochs": epochs, "per_contestant": summary, "ratios": ratios,
            "rounds": per_round}


def _ranged(ratio):
    return f"{ratio['median']:.2f} ({ratio['min']:.2f}-{ratio['max']:.2f})"


def write_markdown(results, path):
    info = results["machine"]
    lines = [
        "# Training cost of the default network", "",
        f"Machine: {info['cpu']}, {info['cores']} cores, no GPU ({info['platform']}).",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in info["versions"].items() if v)
        + ".",
        f"Command: `{results['command']}` ({results['mode']} mode, {results['date']}); "
        f"1-minute load average {results['load_average_at_start'][0]:.1f} at the start, "
        f"{results['load_average_at_end'][0]:.1f} at the end (2 cores).", "",
        "The default network (3 convolutional blocks, 64 filters, kernels 8/5/3, "
        "strides 2/2/1, a bidirectional LSTM(64), max over time, softmax), Adam at a "
        "constant 1e-3, every epoch run. `ours*`: `RNNSequenceClassifier` on the "
        "TensorFlow / JAX / PyTorch Keras backend; `keras`: the same network by hand "
        "in Keras (TensorFlow); `torch`: by hand in PyTorch. Each run is a fresh "
        "process; medians over rounds; a ratio is the speed of the first over the "
        "second (above 1: the first is faster), the median of per-round ratios and "
        "its range.", ""]
    for scenario, res in results["scenarios"].items():
        n, steps, batch, *_ = SCENARIOS[scenario]
        first = next(iter(res["per_contestant"].values()))
        lines += [f"## {scenario}: {n} series x {steps} steps, batch {first['batch_size']}"
                  f" ({batch!r}), {res['epochs']} epochs, {len(next(iter(res['rounds'].values())))}"
                  " rounds", "",
                  "| contestant | whole fit s | first batch s | first epoch s | "
                  "steady epoch s | final loss | compiled |",
                  "|---|---:|---:|---:|---:|---:|---|"]
        for c, s in res["per_contestant"].items():
            lines.append(f"| {c} | {s['fit_seconds']:.2f} | {s['first_batch_seconds']:.2f}"
                         f" | {s['first_epoch_seconds']:.2f} | "
                         f"{s['steady_epoch_seconds']:.3f} | {s['final_loss']:.3f} | "
                         f"{s['jit_compile'] if s['jit_compile'] is not None else '-'} |")
        lines += ["", "| speed ratio (range) | steady epoch | whole fit |", "|---|---|---|"]
        for name, r in res["ratios"].items():
            lines.append(f"| {name} | {_ranged(r['steady_epoch_seconds'])} | "
                         f"{_ranged(r['fit_seconds'])} |")
        lines.append("")
    Path(path).write_text("\n".join(lines))


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "_worker":
        spec, out = json.loads(argv[1]), argv[2]
        with open(out, "w") as f:
            json.dump(worker(spec), f)
        return 0
    parser = argparse.ArgumentParser(prog="python -m benchmarks training_cost",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="the shape and ArrowHead scenarios only")
    parser.add_argument("--scenarios", help="comma-separated subset of "
                        + ",".join(SCENARIOS))
    parser.add_argument("--contestants", default=",".join(CONTESTANTS))
    parser.add_argument("--rounds", type=int)
    parser.add_argument("--epochs", type=int, help="override every scenario's epochs")
    parser.add_argument("--output", default=str(RESULTS / "training_cost"))
    parser.add_argument("--no-wait", action="store_true",
                        help="start each run at once, without waiting for idle cores "
                             "(smoke tests; the timings are then not comparable)")
    args = parser.parse_args(argv)
    mode = "quick" if args.quick else "full"
    settings = SETTINGS[mode]
    scenarios = args.scenarios.split(",") if args.scenarios else settings["scenarios"]
    contestants = [c for c in args.contestants.split(",")
                   if importlib.util.find_spec({"torch": "torch", "ours_torch": "torch",
                                                "ours_jax": "jax"}.get(c, "keras"))]
    rounds = args.rounds or settings["rounds"]

    def log(message):
        print(message, flush=True)

    results = {"machine": machine_info(), "mode": mode, "contestants": contestants,
               "command": " ".join(["python -m benchmarks training_cost", *argv]),
               "date": datetime.datetime.now().isoformat(timespec="seconds"),
               "load_average_at_start": os.getloadavg(), "scenarios": {}}
    for scenario in scenarios:
        epochs = args.epochs or SCENARIOS[scenario][3 if args.quick else 4]
        res = results["scenarios"][scenario] = measure(scenario, epochs, contestants,
                                                       rounds, log, not args.no_wait)
        for name, r in res["ratios"].items():
            log(f"  {scenario} {name}: steady {_ranged(r['steady_epoch_seconds'])}, "
                f"whole fit {_ranged(r['fit_seconds'])}")
    results["load_average_at_end"] = os.getloadavg()
    log(_report.write_results(args.output, results, write_markdown))
    return 0


if __name__ == "__main__":
    sys.exit(main())
