"""Throughput and latency of RNNSequenceClassifier against its peers.

Run from the repository root::

    python -m benchmarks.throughput --quick          # a few minutes
    python -m benchmarks.throughput                  # the full run
    python -m benchmarks.throughput --backends tensorflow,jax --parts train,predict

Measured side by side in one run, on one network (LSTM 64 units over 100 timesteps
x 6 features, batch 64, softmax over 4 classes) and one data set:

``train``
    Training sequences/s of ``RNNSequenceClassifier.fit``, the same network
    hand-written in Keras (``model.fit`` on numpy arrays), scikeras'
    ``KerasClassifier`` with the same model-building function, and PyTorch
    ``nn.LSTM`` trained by hand (skipped when torch is not installed). Every run
    is a fresh subprocess (so peak RSS is the training run's own); the
    contestants take turns in each round. Reported: the steady rate (epochs 2..E,
    the first epoch traces / compiles), the first epoch's time, the rate of the
    whole ``fit`` call (building, tracing, data conversion included) and the peak
    RSS.
``predict``
    ``predict_proba`` latency for 1 and 32 sequences and throughput for 10,000:
    ours, scikeras ``predict_proba``, Keras ``model.predict``,
    ``model.predict_on_batch`` and ``model(x)``; plus the cost of the first call
    and of calls on input shapes not seen before (new batch sizes / lengths).
    Ours is timed in the steady state of a serving loop (a recurring small shape
    runs an XLA-compiled step, see ``sklearn_rnn/_compiled_predict.py``) and with
    the graph step only; the time until the compiled step is ready is reported.
``import``
    ``import sklearn_rnn`` in a fresh interpreter.
``gridsearch``
    ``GridSearchCV`` over the same network and data (learning rate x dropout, 4
    candidates x 3 folds) with ``n_jobs=1`` and ``n_jobs=2``: the first search of a
    process (workers start cold: they import the framework) and a second one (warm
    workers), and the thread pools the framework uses inside a worker.

Every figure is a median over repeats; ratios compare runs of the same round.
Results go to ``benchmarks/results/throughput.json`` and ``throughput.md``.
"""

import argparse
import contextlib
import datetime
import importlib.util
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from . import _report
from ._models import DEFAULT_RECURRENT, PLAIN_LSTM

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"

N_TIMESTEPS = 100
N_FEATURES = 6
N_CLASSES = 4
UNITS = 64
BATCH_SIZE = 64
LEARNING_RATE = 1e-3

TRAIN_CONTESTANTS = ("ours", "keras", "keras_xla_1thread", "scikeras", "torch", "ours_jax",
                     "ours_default", "keras_default", "ours_regressor", "keras_regressor")
"""Network A (one LSTM read at its last step) for the first six, the package's
default network (bidirectional LSTM, max over time) for the next two, and network A
with a linear head regressing the bump's position (mean squared error) for the last
two: RNNSequenceRegressor and the same regression network by hand."""

CONTESTANT_ENV = {
    "ours_jax": {"KERAS_BACKEND": "jax"},
    # Hand-written Keras with the settings the package's "auto" picks for network A.
    "keras_xla_1thread": {"TF_NUM_INTRAOP_THREADS": "1"},
}
TRAIN_RATIOS = (
    ("ours", "keras"), ("ours", "keras_xla_1thread"), ("ours", "scikeras"),
    ("ours", "torch"), ("ours_jax", "torch"), ("ours_default", "keras_default"),
    ("ours_regressor", "keras_regressor"), ("ours_regressor", "ours"),
)
VARLEN_CONTESTANTS = ("ours", "keras_padded", "keras_padded_1thread")
VARLEN_BATCH_SIZE = 32  # the package's default: more batches, so more to gain from buckets
VARLEN_ENV = {"keras_padded_1thread": {"TF_NUM_INTRAOP_THREADS": "1"}}

SETTINGS = {
    "quick": {
        "train_samples": 1024, "train_epochs": 4, "train_rounds": 3,
        "predict_rounds": 3, "latency_calls": 10, "bulk_rounds": 2,
        "import_repeats": 7, "grid_samples": 1024, "grid_epochs": 4, "grid_folds": 3,
        "grid_rounds": 1, "varlen_samples": 384, "varlen_epochs": 3, "varlen_rounds": 3,
        "vowels_epochs": 6,
    },
    "full": {
        "train_samples": 2048, "train_epochs": 5, "train_rounds": 5,
        "predict_rounds": 7, "latency_calls": 30, "bulk_rounds": 5,
        "import_repeats": 15, "grid_samples": 2048, "grid_epochs": 6, "grid_folds": 3,
        "grid_rounds": 3, "varlen_samples": 512, "varlen_epochs": 3, "varlen_rounds": 5,
        "vowels_epochs": 10,
    },
}


# --------------------------------------------------------------------- helpers
def make_data(n_samples, seed=0):
    """Sequences whose class sets where (in time) a bump sits on feature 0."""
    import numpy as np

    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, N_TIMESTEPS, N_FEATURES)).astype(np.float32)
    y = rng.integers(0, N_CLASSES, size=n_samples)
    where = (y + 0.5) * N_TIMESTEPS / N_CLASSES
    X[np.arange(n_samples), where.astype(int), 0] += 3.0
    return X, y


def rss_mb():
    """Current resident set size of this process, in MB."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds():
    """User + system CPU time of this process (all threads)."""
    t = os.times()
    return t.user + t.system


def n_threads():
    return len(os.listdir("/proc/self/task"))


def median(values):
    return float(statistics.median(values)) if values else None


def keras_model(n_features=N_FEATURES, n_classes=N_CLASSES, units=UNITS, *,
                network="A", mask_value=None, jit_compile="auto", regression=False):
    """The benchmark network written by hand in Keras (compiled as the estimator
    compiles its own: Adam, sparse categorical cross-entropy, accuracy; with
    ``regression``, one linear output, mean squared error and MAE).

    ``network="A"``: one LSTM read at its last step; ``"default"``: the package's
    default network, a bidirectional LSTM with max pooling over time (Keras'
    ``GlobalMaxPooling1D``: no mask, so masked input takes ``"default"`` only
    with ``mask_value`` None)."""
    import keras

    layers = [keras.Input((None, n_features))]
    if mask_value is not None:
        layers.append(keras.layers.Masking(mask_value))
    if network == "A":
        layers.append(keras.layers.LSTM(units))
    else:
        layers.append(keras.layers.Bidirectional(
            keras.layers.LSTM(units, return_sequences=True)))
        layers.append(keras.layers.GlobalMaxPooling1D() if mask_value is None
                      else _masked_max_pooling())
    layers.append(keras.layers.Dense(1) if regression
                  else keras.layers.Dense(n_classes, activation="softmax"))
    model = keras.Sequential(layers)
    model.compile(
        optimizer=keras.optimizers.Adam(LEARNING_RATE),
        loss="mse" if regression else "sparse_categorical_crossentropy",
        metrics=["mae" if regression else "accuracy"],
        jit_compile=jit_compile,
    )
    return model


def _masked_max_pooling():
    """Max over unmasked steps, as a tutorial writes it (Keras' GlobalMaxPooling1D
    ignores the mask)."""
    from sklearn_rnn._layers import MaskedGlobalMaxPooling1D

    return MaskedGlobalMaxPooling1D()


def backend_threads():
    """What the framework of this process uses for its thread pools."""
    info = {"omp_num_threads_env": os.environ.get("OMP_NUM_THREADS"),
            "tf_num_intraop_threads_env": os.environ.get("TF_NUM_INTRAOP_THREADS"),
            "tf_num_interop_threads_env": os.environ.get("TF_NUM_INTEROP_THREADS"),
            "process_threads": n_threads()}
    if "tensorflow" in sys.modules:
        import tensorflow as tf

        info["tf_intra_op"] = tf.config.threading.get_intra_op_parallelism_threads()
        info["tf_inter_op"] = tf.config.threading.get_inter_op_parallelism_threads()
    if "torch" in sys.modules:
        import torch

        info["torch_threads"] = torch.get_num_threads()
        info["torch_interop_threads"] = torch.get_num_interop_threads()
    return info


# ------------------------------------------------------------ training workers
class _EpochClock:
    """Records the wall clock at the end of each epoch (a Keras callback, built
    lazily so that this module imports without Keras)."""

    def __init__(self):
        self.epoch_ends = []
        self.cpu_ends = []

    def callback(self):
        import keras

        clock = self

        class EpochClock(keras.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                clock.epoch_ends.append(time.perf_counter())
                clock.cpu_ends.append(cpu_seconds())

        return EpochClock()


@contextlib.contextmanager
def _clocked_keras_fits(clock):
    """Add the epoch clock to every ``keras.Model.fit`` call in the block (the
    same for all Keras contestants), and to the estimator's own batch loop."""
    import keras

    original = keras.Model.fit

    def fit(self, *args, callbacks=None, **kwargs):
        callbacks = list(callbacks or []) + [clock.callback()]
        return original(self, *args, callbacks=callbacks, **kwargs)

    # The estimator trains length buckets and augmented batches through its own
    # batch loop, which takes the same callbacks.
    from sklearn_rnn import _base

    original_loop = _base.fit_on_batches

    def fit_on_batches(*args, callbacks=(), **kwargs):
        return original_loop(*args, callbacks=[*callbacks, clock.callback()], **kwargs)

    keras.Model.fit = fit
    _base.fit_on_batches = fit_on_batches
    try:
        yield
    finally:
        keras.Model.fit = original
        _base.fit_on_batches = original_loop


def _train_keras_family(contestant, X, y, epochs):
    import keras

    clock = _EpochClock()
    with _clocked_keras_fits(clock):
        start = time.perf_counter()
        if contestant in ("ours", "ours_jax", "ours_default"):
            from sklearn_rnn import RNNSequenceClassifier

            network = DEFAULT_RECURRENT if contestant == "ours_default" else PLAIN_LSTM
            clf = RNNSequenceClassifier(
                units=UNITS, epochs=epochs, batch_size=BATCH_SIZE,
                learning_rate=LEARNING_RATE, random_state=0, **network,
            ).fit(X, y)
            loss = clf.history_["loss"][-1]
            extra = {"jit_compile_": bool(clf.jit_compile_)}
        elif contestant == "ours_regressor":
            from sklearn_rnn import RNNSequenceRegressor

            reg = RNNSequenceRegressor(
                units=UNITS, epochs=epochs, batch_size=BATCH_SIZE,
                learning_rate=LEARNING_RATE, random_state=0, **PLAIN_LSTM,
            ).fit(X, y.astype("float32"))
            loss = reg.history_["loss"][-1]
            extra = {"jit_compile_": bool(reg.jit_compile_)}
        elif contestant in ("keras", "keras_xla_1thread", "keras_default",
                            "keras_regressor"):
            keras.utils.set_random_seed(0)
            regression = contestant == "keras_regressor"
            model = keras_model(
                network="default" if contestant == "keras_default" else "A",
                jit_compile=True if contestant == "keras_xla_1thread" else "auto",
                regression=regression)
            if regression:  # standardised, as the estimator trains on them
                y = ((y - y.mean()) / y.std()).astype("float32")
            history = model.fit(X, y, batch_size=BATCH_SIZE, epochs=epochs,
                                shuffle=True, verbose=0)
            loss = history.history["loss"][-1]
            extra = {"jit_compile": bool(model.jit_compile)}
        elif contestant == "scikeras":
            from scikeras.wrappers import KerasClassifier

            # No random_state: scikeras would switch on TF op determinism (slow).
            keras.utils.set_random_seed(0)
            clf = KerasClassifier(
                keras_model, loss="sparse_categorical_crossentropy",
                epochs=epochs, batch_size=BATCH_SIZE, verbose=0,
            ).fit(X, y)
            loss = clf.history_["loss"][-1]
            extra = {}
        else:
            raise ValueError(contestant)
        end = time.perf_counter()
    return start, clock.epoch_ends, clock.cpu_ends, end, float(loss), extra


def _train_torch(X, y, epochs):
    import torch
    from torch import nn

    torch.set_num_threads(os.cpu_count())  # as TensorFlow / XLA: every core
    torch.manual_seed(0)

    class LSTMClassifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(N_FEATURES, UNITS, batch_first=True)
            self.out = nn.Linear(UNITS, N_CLASSES)

        def forward(self, x):
            _, (h, _) = self.lstm(x)
            return self.out(h[-1])

    start = time.perf_counter()
    model = LSTMClassifier()
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    criterion = nn.CrossEntropyLoss()
    X_t, y_t = torch.from_numpy(X), torch.from_numpy(y).long()
    epoch_ends, cpu_ends = [], []
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(X_t))
        for i in range(0, len(X_t), BATCH_SIZE):
            batch = order[i:i + BATCH_SIZE]
            optimizer.zero_grad()
            loss = criterion(model(X_t[batch]), y_t[batch])
            loss.backward()
            optimizer.step()
        epoch_ends.append(time.perf_counter())
        cpu_ends.append(cpu_seconds())
    return start, epoch_ends, cpu_ends, time.perf_counter(), loss.item(), {}


def other_processes_busy(seconds=0.5):
    """Cores kept busy by processes other than this one over ``seconds``
    (from /proc/stat and this process's own CPU time): a shared machine's load
    at the moment a measurement starts."""
    def snapshot():
        with open("/proc/stat") as f:
            fields = [float(v) for v in f.readline().split()[1:]]
        idle = fields[3] + fields[4]
        return sum(fields) - idle, cpu_seconds()

    (busy0, own0), start = snapshot(), time.perf_counter()
    time.sleep(seconds)
    (busy1, own1), wall = snapshot(), time.perf_counter() - start
    ticks = os.sysconf("SC_CLK_TCK")
    return max(0.0, ((busy1 - busy0) / ticks - (own1 - own0)) / wall)


QUIET_CORES = 0.25
"""A run starts once other processes keep fewer than this many cores busy."""


def wait_until_quiet(timeout=120):
    """Wait (up to ``timeout`` s) until other processes leave the cores idle, and
    return how busy they kept the cores just before the run.

    Other CPU-bound processes distort the contestants unequally: with four of them
    on the 2 cores, PyTorch's OpenMP threads fell from 7,366 to 263 seq/s
    (they spin at every barrier while the other thread waits for a time slice),
    TensorFlow's thread pools from 2,036 to 1,536 (``PERFORMANCE.md``). That is
    how an earlier committed run measured PyTorch at 290-1,024 seq/s, at a 1-minute
    load average of 3-4."""
    deadline = time.monotonic() + timeout
    busy = other_processes_busy()
    while busy > QUIET_CORES and time.monotonic() < deadline:
        time.sleep(2)
        busy = other_processes_busy()
    return busy


def _epoch_figures(n, start, epoch_ends, cpu_ends, end):
    steady = epoch_ends[-1] - epoch_ends[0]
    steady_cpu = cpu_ends[-1] - cpu_ends[0]
    return {
        "fit_seconds": end - start,
        "first_epoch_seconds": epoch_ends[0] - start,
        "steady_seconds": steady,
        "steady_seq_per_s": n * (len(epoch_ends) - 1) / steady,
        "steady_seq_per_cpu_s": n * (len(epoch_ends) - 1) / steady_cpu,
        "fit_seq_per_s": n * len(epoch_ends) / (end - start),
        "epochs": len(epoch_ends),
    }


def worker_train(spec):
    X, y = make_data(spec["n_samples"])
    contestant, epochs = spec["contestant"], spec["epochs"]
    if contestant == "torch":
        import torch  # noqa: F401  (import outside the timed region, as for Keras)
    else:
        import keras

        # keras.utils.set_random_seed imports TensorFlow whenever it is installed,
        # on any backend: do that before the timed region, for every contestant.
        keras.utils.set_random_seed(0)
        if contestant == "scikeras":
            import scikeras.wrappers  # noqa: F401
        if contestant.startswith("ours"):
            import sklearn_rnn._classifier  # noqa: F401
            import sklearn_rnn._regressor  # noqa: F401
    rss_before = rss_mb()
    busy_before = wait_until_quiet() if spec.get("wait_until_quiet", True) \
        else other_processes_busy()
    load_before = os.getloadavg()[0]
    if contestant == "torch":
        start, epoch_ends, cpu_ends, end, loss, extra = _train_torch(X, y, epochs)
    else:
        start, epoch_ends, cpu_ends, end, loss, extra = _train_keras_family(
            contestant, X, y, epochs)
    return {
        "contestant": contestant,
        **_epoch_figures(len(X), start, epoch_ends, cpu_ends, end),
        "load_average_1min": [load_before, os.getloadavg()[0]],
        "other_processes_cores_busy": busy_before,
        "final_loss": loss,
        "rss_before_fit_mb": rss_before,
        "peak_rss_mb": peak_rss_mb(),
        "threads": backend_threads(),
        **extra,
    }


def variable_length_data(dataset, n_samples, seed=0):
    """Variable-length sequences: ``"synthetic"`` (lengths uniform in 50-1000, the
    class sets where a bump sits, as ``make_data``) or ``"JapaneseVowels"`` (aeon's
    training split, lengths 7-29, 12 channels)."""
    import numpy as np

    if dataset == "JapaneseVowels":
        from aeon.datasets import load_classification

        X, y = load_classification("JapaneseVowels", split="train")
        X = [np.asarray(x, dtype=np.float32).T for x in X]
        return X, np.unique(y, return_inverse=True)[1]
    rng = np.random.default_rng(seed)
    lengths = rng.integers(50, 1001, size=n_samples)
    y = rng.integers(0, N_CLASSES, size=n_samples)
    X = []
    for length, label in zip(lengths, y, strict=True):
        x = rng.normal(size=(length, N_FEATURES)).astype(np.float32)
        x[int((label + 0.5) * length / N_CLASSES), 0] += 3.0
        X.append(x)
    return X, y


def worker_varlen(spec):
    """One variable-length training run: ours (length buckets) or hand-written
    Keras on the sequences padded to the longest and masked (what the package did
    before buckets), both on the package's default network."""
    import keras

    from sklearn_rnn import RNNSequenceClassifier
    from sklearn_rnn._base import PAD_VALUE
    from sklearn_rnn._sequences import pad_sequences

    X, y = variable_length_data(spec["dataset"], spec["n_samples"])
    keras.utils.set_random_seed(0)
    clock = _EpochClock()
    busy_before = wait_until_quiet()
    with _clocked_keras_fits(clock):
        start = time.perf_counter()
        if spec["contestant"] == "ours":
            clf = RNNSequenceClassifier(units=UNITS, epochs=spec["epochs"],
                                        batch_size=VARLEN_BATCH_SIZE, random_state=0,
                                        **DEFAULT_RECURRENT).fit(X, y)
            extra = {"jit_compile_": bool(clf.jit_compile_)}
        else:
            padded = pad_sequences(X, value=PAD_VALUE)
            model = keras_model(X[0].shape[1], int(y.max()) + 1, network="default",
                                mask_value=PAD_VALUE)
            model.fit(padded, y, batch_size=VARLEN_BATCH_SIZE, epochs=spec["epochs"],
                      shuffle=True, verbose=0)
            extra = {}
        end = time.perf_counter()
    lengths = [len(x) for x in X]
    return {"contestant": spec["contestant"], "dataset": spec["dataset"],
            **_epoch_figures(len(X), start, clock.epoch_ends, clock.cpu_ends, end),
            "lengths": [min(lengths), int(statistics.median(lengths)), max(lengths)],
            "other_processes_cores_busy": busy_before, **extra}


# ------------------------------------------------------------- predict worker
GRAPH_STEP = "ours.predict_proba, graph step only (SKLEARN_RNN_COMPILED_PREDICT=0)"


def graph_step_only(predict):
    """``predict`` with the XLA-compiled steps of hot shapes switched off."""
    from sklearn_rnn._compiled_predict import ENV_SWITCH

    def call(x):
        os.environ[ENV_SWITCH] = "0"
        try:
            return predict(x)
        finally:
            del os.environ[ENV_SWITCH]
    return call


def _timed(fn, x, calls):
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        fn(x)
        times.append(time.perf_counter() - start)
    return median(times)


def worker_predict(spec):
    import keras
    import numpy as np
    from scikeras.wrappers import KerasClassifier

    from sklearn_rnn import RNNSequenceClassifier
    from sklearn_rnn._compiled_predict import HOT_CALLS, wait_for_compilations

    X, y = make_data(1024)
    rng = np.random.default_rng(1)
    ours = RNNSequenceClassifier(units=UNITS, epochs=1, batch_size=BATCH_SIZE,
                                 random_state=0, **PLAIN_LSTM).fit(X, y)
    keras.utils.set_random_seed(0)
    theirs = KerasClassifier(keras_model, loss="sparse_categorical_crossentropy",
                             epochs=1, batch_size=BATCH_SIZE, verbose=0).fit(X, y)
    model = ours.model_
    result = {"first_call_ms": {}, "seconds_until_compiled": {}}

    one = X[:1]
    for name, fn in (("ours.predict_proba", ours.predict_proba),
                     ("scikeras.predict_proba", theirs.predict_proba)):
        start = time.perf_counter()
        fn(one)
        result["first_call_ms"][name] = 1e3 * (time.perf_counter() - start)

    methods = {
        "ours.predict_proba": ours.predict_proba,
        GRAPH_STEP: graph_step_only(ours.predict_proba),
        "scikeras.predict_proba": theirs.predict_proba,
        "keras model.predict": lambda x: model.predict(x, verbose=0),
        "keras model.predict_on_batch": model.predict_on_batch,
        "keras model(x)": lambda x: keras.ops.convert_to_numpy(model(x, training=False)),
    }
    result["latency_ms"] = {}
    for n in (1, 32):
        x = X[:n]
        for fn in methods.values():  # warm up: trace / compile this shape
            fn(x)
            fn(x)
        # Ours compiles a recurring small shape in the background (_compiled_predict):
        # the latency measured below is the steady state of a serving loop.
        start = time.perf_counter()
        for _ in range(HOT_CALLS):
            ours.predict_proba(x)
        wait_for_compilations(model)
        result["seconds_until_compiled"][str(n)] = time.perf_counter() - start
        rounds = {name: [] for name in methods}
        for _ in range(spec["rounds"]):
            for name, fn in methods.items():
                if name == "keras model(x)":  # eager: hundreds of ms per call
                    calls = 3
                elif name in ("scikeras.predict_proba", "keras model.predict"):
                    calls = max(3, spec["calls"] // 3)
                else:
                    calls = spec["calls"]
                rounds[name].append(1e3 * _timed(fn, x, calls))
        result["latency_ms"][str(n)] = {k: median(v) for k, v in rounds.items()}

    X_bulk, _ = make_data(10_000, seed=2)
    bulk = {
        "ours.predict_proba": ours.predict_proba,
        "scikeras.predict_proba": theirs.predict_proba,
        "keras model.predict(batch_size=1024)":
            lambda x: model.predict(x, batch_size=1024, verbose=0),
        "keras model.predict (batch_size=32)": lambda x: model.predict(x, verbose=0),
    }
    # The first call of each on this shape: ours compiles its step here (a call of
    # at least 8 chunks of 1024), model.predict traces its own.
    result["bulk_first_call_s"] = {}
    for name in ("ours.predict_proba", "keras model.predict(batch_size=1024)"):
        start = time.perf_counter()
        bulk[name](X_bulk)
        result["bulk_first_call_s"][name] = time.perf_counter() - start
    for fn in bulk.values():
        fn(X_bulk[:2048])
    rounds = {name: [] for name in bulk}
    for _ in range(spec["bulk_rounds"]):
        for name, fn in bulk.items():
            start = time.perf_counter()
            fn(X_bulk)
            rounds[name].append(time.perf_counter() - start)
    result["bulk_10000_seq_per_s"] = {k: len(X_bulk) / median(v) for k, v in rounds.items()}

    # Shapes never seen before: new batch sizes (length 100), then new lengths
    # (batch 1). Retracing / recompiling shows up here; the second pass over the
    # same shapes is the cached cost.
    shapes = [(b, N_TIMESTEPS) for b in (2, 3, 5, 6, 7, 9, 11, 13)]
    shapes += [(1, t) for t in (90, 93, 95, 97, 99, 101, 103, 105)]
    for label in ("new_shape_ms", "repeat_shape_ms"):
        times = {"batch": [], "length": []}
        for b, t in shapes:
            x = rng.normal(size=(b, t, N_FEATURES)).astype(np.float32)
            start = time.perf_counter()
            ours.predict_proba(x)
            times["batch" if t == N_TIMESTEPS else "length"].append(
                1e3 * (time.perf_counter() - start))
        result[label] = {
            "new_batch_sizes": median(times["batch"]),
            "new_lengths": median(times["length"]),
            "all_calls": times,
        }
    result["threads"] = backend_threads()
    return result


# --------------------------------------------------------- grid-search worker
def _thread_report(_):
    """Run inside a joblib worker: which threads does the framework use there?"""
    import keras
    import numpy as np

    keras.ops.convert_to_numpy(keras.ops.matmul(np.ones((64, 64)), np.ones((64, 64))))
    return {"pid": os.getpid(), **backend_threads()}


GRID = {"learning_rate": [1e-3, 3e-3], "dropout": [0.0, 0.2]}


def worker_gridsearch(spec):
    import joblib
    from sklearn.model_selection import GridSearchCV, StratifiedKFold

    from sklearn_rnn import RNNSequenceClassifier

    X, y = make_data(spec["n_samples"])
    result = {"searches_seconds": [], "load_average_before": os.getloadavg()[0]}
    for _ in range(2):  # the first search starts the workers, the second reuses them
        search = GridSearchCV(
            RNNSequenceClassifier(units=UNITS, epochs=spec["epochs"], batch_size=BATCH_SIZE,
                                  random_state=0, **PLAIN_LSTM),
            GRID, cv=StratifiedKFold(spec["folds"], shuffle=True, random_state=0),
            n_jobs=spec["n_jobs"], refit=False,
        )
        start, cpu_start = time.perf_counter(), cpu_seconds()
        search.fit(X, y)
        result["searches_seconds"].append(time.perf_counter() - start)
        # CPU used by this process per second of the search: with n_jobs=1 how many
        # cores one fit keeps busy (TensorFlow's intra-op threads); ~0 with n_jobs=2.
        result.setdefault("main_process_cores_busy", []).append(
            (cpu_seconds() - cpu_start) / result["searches_seconds"][-1])
    if spec["n_jobs"] > 1:
        reports = joblib.Parallel(n_jobs=spec["n_jobs"])(
            joblib.delayed(_thread_report)(i) for i in range(2 * spec["n_jobs"]))
        result["worker_threads"] = list({r["pid"]: r for r in reports}.values())
    return result


# ---------------------------------------------------------------- the runner
WORKERS = {"train": worker_train, "predict": worker_predict,
           "gridsearch": worker_gridsearch, "varlen": worker_varlen}


def run_worker(kind, spec, backend, timeout=1800, env=None):
    """Run one measurement in a fresh interpreter with KERAS_BACKEND=backend (and
    ``env`` on top)."""
    return _report.run_json_worker("benchmarks.throughput", [kind, json.dumps(spec)],
                                   env={"KERAS_BACKEND": backend, **(env or {})},
                                   timeout=timeout)


def _round_robin(contestants, n_rounds, run, log, label):
    """``run(contestant)`` for every contestant in every round, the order reversed
    every other round; the per-contestant lists of results."""
    rounds = {c: [] for c in contestants}
    for r in range(n_rounds):
        order = contestants if r % 2 == 0 else contestants[::-1]
        for contestant in order:
            res = run(contestant)
            rounds[contestant].append(res)
            log(f"  {label} round {r + 1} {contestant:20s} steady "
                f"{res['steady_seq_per_s']:7.0f} seq/s, fit {res['fit_seconds']:.2f} s, "
                f"first epoch {res['first_epoch_seconds']:.2f} s, other processes "
                f"{res['other_processes_cores_busy']:.2f} cores")
    return rounds


RATIO_KEYS = ("steady_seq_per_s", "steady_seq_per_cpu_s", "fit_seq_per_s")


def _ratio(rounds, a, b, key):
    """Median over rounds of the per-round ratio a/b, and its range."""
    per_round = [x[key] / y[key] for x, y in zip(rounds[a], rounds[b], strict=True)]
    return {"median": median(per_round), "min": min(per_round), "max": max(per_round)}


def _summary(rounds, keys):
    summary = {}
    for c, runs in rounds.items():
        summary[c] = {key: median([run[key] for run in runs]) for key in keys}
        for flag in ("jit_compile_", "jit_compile", "threads", "lengths"):
            if flag in runs[0]:
                summary[c][flag] = runs[0][flag]
    return summary


def measure_train(backend, settings, contestants, log):
    def run(contestant):
        spec = {"contestant": contestant, "n_samples": settings["train_samples"],
                "epochs": settings["train_epochs"],
                "wait_until_quiet": not settings.get("background_load")}
        env = CONTESTANT_ENV.get(contestant, {})
        return run_worker("train", spec, env.get("KERAS_BACKEND", backend), env=env)

    rounds = _round_robin(contestants, settings["train_rounds"], run, log, "train")
    summary = _summary(rounds, (
        "steady_seq_per_s", "steady_seq_per_cpu_s", "fit_seq_per_s", "fit_seconds",
        "first_epoch_seconds", "rss_before_fit_mb", "peak_rss_mb", "final_loss",
        "other_processes_cores_busy"))
    ratios = {f"{a}/{b}": {key: _ratio(rounds, a, b, key) for key in RATIO_KEYS}
              for a, b in TRAIN_RATIOS if a in rounds and b in rounds}
    return {"per_contestant": summary, "ratios": ratios, "rounds": rounds}


def measure_varlen(backend, settings, log):
    results = {}
    for dataset in ("synthetic", "JapaneseVowels"):
        epochs = settings["varlen_epochs"] if dataset == "synthetic" \
            else settings["vowels_epochs"]

        def run(contestant, dataset=dataset, epochs=epochs):
            spec = {"contestant": contestant, "dataset": dataset, "epochs": epochs,
                    "n_samples": settings["varlen_samples"]}
            return run_worker("varlen", spec, backend, env=VARLEN_ENV.get(contestant))

        rounds = _round_robin(VARLEN_CONTESTANTS, settings["varlen_rounds"], run, log,
                              f"variable length, {dataset}")
        results[dataset] = {
            "per_contestant": _summary(rounds, (
                "steady_seq_per_s", "fit_seq_per_s", "fit_seconds", "first_epoch_seconds",
                "other_processes_cores_busy")),
            "ratios": {f"ours/{b}": {key: _ratio(rounds, "ours", b, key)
                                     for key in ("steady_seq_per_s", "fit_seq_per_s")}
                       for b in VARLEN_CONTESTANTS[1:]},
            "rounds": rounds, "epochs": epochs,
        }
    return results


def measure_predict(backend, settings):
    spec = {"rounds": settings["predict_rounds"], "calls": settings["latency_calls"],
            "bulk_rounds": settings["bulk_rounds"]}
    res = run_worker("predict", spec, backend)
    lat = res["latency_ms"]
    res["ratios"] = {
        "scikeras/ours latency n=1": lat["1"]["scikeras.predict_proba"]
        / lat["1"]["ours.predict_proba"],
        "scikeras/ours latency n=32": lat["32"]["scikeras.predict_proba"]
        / lat["32"]["ours.predict_proba"],
        "graph step/compiled step latency n=1": lat["1"][GRAPH_STEP]
        / lat["1"]["ours.predict_proba"],
        "scikeras/ours graph step latency n=1": lat["1"]["scikeras.predict_proba"]
        / lat["1"][GRAPH_STEP],
        "ours/model.predict(1024) bulk throughput":
            res["bulk_10000_seq_per_s"]["ours.predict_proba"]
            / res["bulk_10000_seq_per_s"]["keras model.predict(batch_size=1024)"],
        "ours/model.predict(32) bulk throughput":
            res["bulk_10000_seq_per_s"]["ours.predict_proba"]
            / res["bulk_10000_seq_per_s"]["keras model.predict (batch_size=32)"],
    }
    return res


SUBMODULES_SNIPPET = (
    "import time; t = time.perf_counter(); "
    "import sklearn_rnn.preprocessing, sklearn_rnn.schedules, sklearn_rnn.datasets; "
    "print(time.perf_counter() - t)"
)
IMPORT_SNIPPET = (
    "import sys, time; t = time.perf_counter(); import sklearn_rnn; "
    "t = time.perf_counter() - t; "
    "print(t, 'keras' in sys.modules, 'tensorflow' in sys.modules)"
)


def measure_import(settings):
    times, heavy = [], False
    wall, wall_base = [], []
    for _ in range(settings["import_repeats"]):
        for snippet, sink in (("pass", wall_base), (IMPORT_SNIPPET, wall)):
            start = time.perf_counter()
            proc = subprocess.run([sys.executable, "-c", snippet], cwd=ROOT,
                                  capture_output=True, text=True, check=True)
            sink.append(time.perf_counter() - start)
        seconds, keras_loaded, tf_loaded = proc.stdout.split()
        times.append(float(seconds))
        heavy = heavy or keras_loaded == "True" or tf_loaded == "True"
    submodules = [
        float(subprocess.run([sys.executable, "-c", SUBMODULES_SNIPPET], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout)
        for _ in range(settings["import_repeats"])]
    return {
        "import_seconds_median": median(times),
        "submodules_import_seconds_median": median(submodules),
        "import_seconds_all": times,
        "subprocess_wall_seconds_median": median(wall),
        "interpreter_start_seconds_median": median(wall_base),
        "imports_keras_or_tensorflow": heavy,
    }


def measure_gridsearch(backend, settings, log):
    variants = {"n_jobs=1": 1, "n_jobs=2": 2}
    rounds = {name: [] for name in variants}
    for r in range(settings["grid_rounds"]):
        names = list(variants) if r % 2 == 0 else list(variants)[::-1]
        for name in names:
            spec = {"n_jobs": variants[name], "n_samples": settings["grid_samples"],
                    "epochs": settings["grid_epochs"], "folds": settings["grid_folds"]}
            res = run_worker("gridsearch", spec, backend)
            rounds[name].append(res)
            log(f"  grid round {r + 1} {name:30s} cold {res['searches_seconds'][0]:.1f} s,"
                f" warm {res['searches_seconds'][1]:.1f} s")
    summary = {
        name: {"cold_seconds": median([x["searches_seconds"][0] for x in runs]),
               "warm_seconds": median([x["searches_seconds"][1] for x in runs]),
               "main_process_cores_busy_warm": median(
                   [x["main_process_cores_busy"][1] for x in runs
                    if "main_process_cores_busy" in x]),
               "load_average_before": [x.get("load_average_before") for x in runs],
               "worker_threads": runs[0].get("worker_threads")}
        for name, runs in rounds.items()
    }
    speedups = {
        f"n_jobs=2 vs n_jobs=1 ({label})": median([
            a["searches_seconds"][i] / b["searches_seconds"][i]
            for a, b in zip(rounds["n_jobs=1"], rounds["n_jobs=2"], strict=True)])
        for i, label in enumerate(("cold", "warm"))
    }
    return {"variants": summary, "speedups": speedups, "rounds": rounds,
            "grid": f"LSTM {UNITS} units, batch {BATCH_SIZE}, "
                    + " x ".join(f"{k} in {v}" for k, v in GRID.items())
                    + f", StratifiedKFold({settings['grid_folds']}), refit=False",
            "samples": settings["grid_samples"], "epochs": settings["grid_epochs"]}


@contextlib.contextmanager
def background_load(n_processes):
    """``n_processes`` busy loops in other processes for the duration of the block."""
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
            for _ in range(n_processes)]
    try:
        yield
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()


def machine_info():
    versions = {"python": platform.python_version()}
    for pkg in ("numpy", "scikit-learn", "tensorflow", "keras", "scikeras", "torch",
                "jax", "jaxlib", "joblib"):
        versions[pkg] = _report._version(pkg, missing=None)
    return {"cpu": _report._cpu_model(), "cores": os.cpu_count(),
            "platform": platform.platform(), "versions": versions}


# ------------------------------------------------------------------ reporting
def _fmt(value, digits=1):
    return "-" if value is None else f"{value:,.{digits}f}"


def _ranged(ratio, digits=2):
    return (f"{ratio['median']:.{digits}f} ({ratio['min']:.{digits}f}-"
            f"{ratio['max']:.{digits}f})")


def write_markdown(results, path):
    lines = ["# Throughput and latency", ""]
    m = results["machine"]
    lines += [f"Machine: {m['cpu']}, {m['cores']} cores, no GPU ({m['platform']}).",
              "Versions: " + ", ".join(f"{k} {v}" for k, v in m["versions"].items() if v)
              + ".", f"Command: `{results['command']}` ({results['mode']} mode, "
              f"{results['date']}).", "",
              "Medians over repeats; ratios are taken per round (contestants run side by "
              "side) and their median reported. The machine is shared and noisy: 1-minute "
              f"load average {results['load_average_at_start'][0]:.1f} at the start, "
              f"{results['load_average_at_end'][0]:.1f} at the end (2 cores).", ""]
    for backend, res in results["backends"].items():
        lines += [f"## Keras backend: {backend}", ""]
        if "train" in res:
            t = res["train"]
            s = results["settings"]
            lines += [f"### Training ({s['train_samples']} sequences x {N_TIMESTEPS} steps"
                      f" x {N_FEATURES} features, LSTM {UNITS}, batch {BATCH_SIZE}, "
                      f"{s['train_epochs']} epochs, {s['train_rounds']} rounds)", "",
                      "Network A: one LSTM read at its last step (every contestant but "
                      "`*_default`). Default network: the package's defaults, a "
                      "bidirectional LSTM with max pooling over time (`ours_default`, "
                      "`keras_default`). `*_regressor`: network A with one linear "
                      "output trained on the bump's position with mean squared error "
                      "(`ours_regressor` is RNNSequenceRegressor; `keras_regressor` the "
                      "same by hand on standardised targets). "
                      "`keras*` are hand-written `model.fit` calls; "
                      "`keras_xla_1thread` is network A compiled with "
                      "`jit_compile=True` and one TensorFlow intra-op thread, the "
                      "settings `ours` chooses for it.", "",
                      "| contestant | steady seq/s (epochs 2..E) | steady seq per CPU-s | "
                      "whole fit seq/s | first epoch s | fit s | peak RSS MB | XLA | "
                      "other processes, cores |", "|---|---|---|---|---|---|---|---|---|"]
            for c, v in t["per_contestant"].items():
                xla = v.get("jit_compile_", v.get("jit_compile", False))
                lines.append(
                    f"| {c} | {_fmt(v['steady_seq_per_s'], 0)} | "
                    f"{_fmt(v['steady_seq_per_cpu_s'], 0)} | {_fmt(v['fit_seq_per_s'], 0)}"
                    f" | {_fmt(v['first_epoch_seconds'], 2)} | {_fmt(v['fit_seconds'], 2)} | "
                    f"{_fmt(v['peak_rss_mb'], 0)} | {'yes' if xla else 'no'} | "
                    f"{_fmt(v.get('other_processes_cores_busy'), 2)} |")
            lines += ["", "| ratio, median of per-round ratios (range) | steady | steady per "
                      "CPU-s | whole fit |", "|---|---|---|---|"]
            for name, v in t["ratios"].items():
                lines.append(f"| {name} | {_ranged(v['steady_seq_per_s'])} | "
                             f"{_ranged(v['steady_seq_per_cpu_s'])} | "
                             f"{_ranged(v['fit_seq_per_s'])} |")
            lines.append("")
        if "varlen" in res:
            lines += ["### Variable-length training (the package's default network, batch "
                      f"{VARLEN_BATCH_SIZE})", "",
                      "`ours` trains in length buckets (each batch padded to its own "
                      "length); `keras_padded` is hand-written Keras on the sequences "
                      "padded to the longest and masked, which is what the package did "
                      "before buckets (within 2.5% of hand-written Keras, "
                      "`train_quick.md`); `keras_padded_1thread` the same with one "
                      "intra-op thread, to separate the buckets' share from the "
                      "threads'.", "",
                      "| data | lengths (min / median / max) | epochs | contestant | "
                      "steady seq/s | whole fit s |", "|---|---|---|---|---|---|"]
            for dataset, v in res["varlen"].items():
                for c, figures in v["per_contestant"].items():
                    lengths = " / ".join(str(n) for n in figures.get("lengths", []))
                    lines.append(f"| {dataset} | {lengths} | {v['epochs']} | {c} | "
                                 f"{_fmt(figures['steady_seq_per_s'], 0)} | "
                                 f"{_fmt(figures['fit_seconds'], 2)} |")
            lines += ["", "| data | ratio, median of per-round ratios (range) | steady | "
                      "whole fit |", "|---|---|---|---|"]
            for dataset, v in res["varlen"].items():
                for name, r in v["ratios"].items():
                    lines.append(f"| {dataset} | {name} | {_ranged(r['steady_seq_per_s'])}"
                                 f" | {_ranged(r['fit_seq_per_s'])} |")
            lines.append("")
        if "predict" in res:
            p = res["predict"]
            lines += ["### Prediction", "", "| method | 1 sequence ms | 32 sequences ms |",
                      "|---|---|---|"]
            for name in p["latency_ms"]["1"]:
                lines.append(f"| {name} | {_fmt(p['latency_ms']['1'][name], 2)} | "
                             f"{_fmt(p['latency_ms']['32'][name], 2)} |")
            lines += ["", "| 10,000 sequences | seq/s |", "|---|---|"]
            for name, v in p["bulk_10000_seq_per_s"].items():
                lines.append(f"| {name} | {_fmt(v, 0)} |")
            for name, v in p.get("bulk_first_call_s", {}).items():
                lines.append(f"| first call on this shape: {name} | {_fmt(v, 2)} s |")
            lines += ["", "| first / new-shape calls of ours.predict_proba | ms |", "|---|---|"]
            for name, v in p["first_call_ms"].items():
                lines.append(f"| first call after fit: {name} | {_fmt(v, 1)} |")
            for n, v in p.get("seconds_until_compiled", {}).items():
                lines.append(f"| ours, {n} sequence(s): from the first call of a shape until "
                             f"its compiled step is ready | {_fmt(1e3 * v, 0)} |")
            for label in ("new_shape_ms", "repeat_shape_ms"):
                for key in ("new_batch_sizes", "new_lengths"):
                    lines.append(f"| {label.replace('_ms', '')}: {key} (median) | "
                                 f"{_fmt(p[label][key], 1)} |")
            lines += ["", "| ratio | value |", "|---|---|"]
            for name, v in p["ratios"].items():
                lines.append(f"| {name} | {_fmt(v, 2)} |")
            lines.append("")
        if "gridsearch" in res:
            g = res["gridsearch"]
            lines += [f"### GridSearchCV ({g['grid']}; {g['samples']} sequences, "
                      f"{g['epochs']} epochs)", "",
                      "| variant | first search s (cold workers) | second search s (warm) | "
                      "cores busy in the main process (warm) |", "|---|---|---|---|"]
            for name, v in g["variants"].items():
                lines.append(f"| {name} | {_fmt(v['cold_seconds'])} | "
                             f"{_fmt(v['warm_seconds'])} | "
                             f"{_fmt(v.get('main_process_cores_busy_warm'), 2)} |")
            lines += ["", "| speed-up | value |", "|---|---|"]
            for name, v in g["speedups"].items():
                lines.append(f"| {name} | {_fmt(v, 2)} |")
            for name, v in g["variants"].items():
                if v["worker_threads"]:
                    w = v["worker_threads"][0]
                    lines.append("")
                    lines.append(f"Threads in a joblib worker ({name}): "
                                 + ", ".join(f"{k}={w[k]}" for k in w if k != "pid"))
            lines.append("")
    if "import" in results:
        i = results["import"]
        lines += ["## `import sklearn_rnn`", "",
                  f"In-process import time, median of {len(i['import_seconds_all'])}: "
                  f"{i['import_seconds_median'] * 1e3:.0f} ms (whole subprocess "
                  f"{i['subprocess_wall_seconds_median'] * 1e3:.0f} ms, bare interpreter "
                  f"{i['interpreter_start_seconds_median'] * 1e3:.0f} ms). Imports Keras or "
                  f"TensorFlow: {i['imports_keras_or_tensorflow']}. `import "
                  "sklearn_rnn.preprocessing, sklearn_rnn.schedules, sklearn_rnn.datasets` "
                  f"(scikit-learn, no Keras): {i['submodules_import_seconds_median'] * 1e3:.0f}"
                  " ms.", ""]
    if results.get("targets"):
        lines += ["## Targets (DESIGN.md)", "", "| target | measured | met |", "|---|---|---|"]
        for t in results["targets"]:
            lines.append(f"| {t['target']} | {t['measured']} | {'yes' if t['met'] else 'no'} |")
        lines.append("")
    path.write_text("\n".join(lines))


TRAIN_TARGETS = (
    ("ours/keras", "steady_seq_per_s", 1.5, "epoch cost, network A: >= 1.5x "
     "faster than hand-written Keras on the graph executor"),
    ("ours/keras", "fit_seq_per_s", 1.1, "whole fit (compile included), "
     "network A: >= 1.1x faster than hand-written Keras"),
    ("ours_default/keras_default", "steady_seq_per_s", 1.3, "epoch cost, "
     "default network: >= 1.3x faster than hand-written Keras"),
    ("ours/torch", "steady_seq_per_s", 0.5, "epoch cost, network A: ours (TF) "
     ">= 0.5x PyTorch by hand"),
    ("ours_jax/torch", "steady_seq_per_s", 0.9, "epoch cost, network A: ours "
     "(JAX) >= 0.9x PyTorch by hand"),
    ("ours/keras_xla_1thread", "steady_seq_per_s", 0.95, "training overhead "
     "<= 5% vs hand-written Keras with the same settings (steady)"),
    ("ours/keras_xla_1thread", "fit_seq_per_s", 0.95, "training overhead "
     "<= 5% vs hand-written Keras with the same settings (whole fit)"),
)
"""(ratio, figure, bound, label): the training-speed targets."""


def evaluate_targets(results):
    targets = []
    for backend, res in results["backends"].items():
        if "train" in res:
            r = res["train"]["ratios"]
            for name, key, bound, label in TRAIN_TARGETS:
                if name in r:
                    v = r[name][key]
                    targets.append({"target": f"[{backend}] {label}",
                                    "measured": f"{name} = {_ranged(v)}",
                                    "met": v["median"] >= bound})
        if "varlen" in res and "synthetic" in res["varlen"]:
            v = res["varlen"]["synthetic"]["ratios"]["ours/keras_padded"]["steady_seq_per_s"]
            targets.append({"target": f"[{backend}] variable-length training (lengths "
                            "50-1000): >= 2x faster than padding to the longest",
                            "measured": f"ours/keras_padded = {_ranged(v)}",
                            "met": v["median"] >= 2})
        if "predict" in res:
            p = res["predict"]
            ratio = p["ratios"]["scikeras/ours latency n=1"]
            ms = p["latency_ms"]["1"]["ours.predict_proba"]
            if backend == "jax":  # scikeras' model.predict is cheap on JAX: 1 ms target
                targets.append({
                    "target": "[jax] 1-sequence predict_proba < 1 ms",
                    "measured": f"{ms:.2f} ms ({ratio:.1f}x faster than scikeras)",
                    "met": ms < 1.0})
            else:
                targets.append({
                    "target": f"[{backend}] 1-sequence predict_proba >= 20x faster than "
                              "scikeras and < 3 ms",
                    "measured": f"{ratio:.1f}x, {ms:.2f} ms",
                    "met": ratio >= 20 and ms < 3.0})
            bulk = p["ratios"]["ours/model.predict(1024) bulk throughput"]
            targets.append({
                "target": f"[{backend}] bulk prediction of 10,000 sequences >= 1.5x "
                          "faster than model.predict(batch_size=1024)",
                "measured": f"ours/model.predict(batch_size=1024) = {bulk:.2f}; vs default "
                            f"batch_size=32: "
                            f"{p['ratios']['ours/model.predict(32) bulk throughput']:.2f}",
                "met": bulk >= 1.5})
        if "gridsearch" in res:
            g = res["gridsearch"]["speedups"]
            cold, warm = g["n_jobs=2 vs n_jobs=1 (cold)"], g["n_jobs=2 vs n_jobs=1 (warm)"]
            targets.append({
                "target": f"[{backend}] GridSearchCV n_jobs=2 >= 1.5x faster than n_jobs=1",
                "measured": f"{cold:.2f}x cold workers, {warm:.2f}x warm",
                "met": min(cold, warm) >= 1.5})
    if "import" in results:
        t = results["import"]["import_seconds_median"]
        targets.append({"target": "import sklearn_rnn < 0.3 s", "measured": f"{t:.3f} s",
                        "met": t < 0.3 and not results["import"]["imports_keras_or_tensorflow"]})
    return targets


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks throughput",
                                     description=__doc__.split("\n\n")[0])
    if argv is None:
        argv = sys.argv[1:]
    if argv and argv[0] == "_worker":
        kind, spec, out = argv[1], json.loads(argv[2]), argv[3]
        result = WORKERS[kind](spec)
        with open(out, "w") as f:
            json.dump(result, f)
        return 0
    parser.add_argument("--quick", action="store_true",
                        help="fewer samples, epochs and repeats (a few minutes)")
    parser.add_argument("--backends", default="tensorflow",
                        help="comma-separated Keras backends (tensorflow, jax)")
    parser.add_argument("--parts", default="train,varlen,predict,import,gridsearch",
                        help="comma-separated subset of train,varlen,predict,import,"
                             "gridsearch")
    parser.add_argument("--contestants", default=",".join(TRAIN_CONTESTANTS),
                        help="training contestants (" + ",".join(TRAIN_CONTESTANTS) + ")")
    parser.add_argument("--output", default=str(RESULTS / "throughput"),
                        help="path prefix of the .json and .md results")
    parser.add_argument("--background-load", type=int, default=0,
                        help="run the training part beside this many CPU-bound "
                             "processes (how contestants degrade on a busy machine)")
    parser.add_argument("--grid-epochs", type=int,
                        help="epochs per grid-search fit (default: those of the training "
                             "benchmark, 4 quick, 6 full); more epochs make a longer search")
    args = parser.parse_args(argv)
    mode = "quick" if args.quick else "full"
    settings = dict(SETTINGS[mode])
    if args.grid_epochs:
        settings["grid_epochs"] = args.grid_epochs
    settings["background_load"] = args.background_load
    parts = args.parts.split(",")
    contestants = args.contestants.split(",")
    if "torch" in contestants and importlib.util.find_spec("torch") is None:
        print("torch is not installed: skipping the PyTorch contestant")
        contestants.remove("torch")
    if "ours_jax" in contestants and importlib.util.find_spec("jax") is None:
        print("jax is not installed: skipping the ours_jax contestant")
        contestants.remove("ours_jax")

    def log(message):
        print(message, flush=True)

    results = {
        "machine": machine_info(), "mode": mode, "settings": settings,
        "command": " ".join(["python -m benchmarks throughput", *argv]),
        "date": datetime.datetime.now().isoformat(timespec="seconds"), "backends": {},
        "load_average_at_start": os.getloadavg(),
    }
    for backend in args.backends.split(","):
        if backend == "jax" and importlib.util.find_spec("jax") is None:
            log("jax is not installed: skipping the jax backend")
            continue
        res = results["backends"][backend] = {}
        if "train" in parts:
            log(f"[{backend}] training throughput"
                + (f" beside {args.background_load} busy processes"
                   if args.background_load else ""))
            with background_load(args.background_load):
                res["train"] = measure_train(backend, settings, contestants, log)
            for name, ratio in res["train"]["ratios"].items():
                log(f"  {name}: steady {ratio['steady_seq_per_s']['median']:.3f}, "
                    f"whole fit {ratio['fit_seq_per_s']['median']:.3f}")
        if "varlen" in parts:
            log(f"[{backend}] variable-length training")
            res["varlen"] = measure_varlen(backend, settings, log)
            for dataset, v in res["varlen"].items():
                for name, ratio in v["ratios"].items():
                    log(f"  {dataset} {name}: steady "
                        f"{ratio['steady_seq_per_s']['median']:.2f}, whole fit "
                        f"{ratio['fit_seq_per_s']['median']:.2f}")
        if "predict" in parts:
            log(f"[{backend}] prediction latency and throughput")
            res["predict"] = measure_predict(backend, settings)
            for n in ("1", "32"):
                log(f"  n={n}: " + ", ".join(
                    f"{k} {v:.2f} ms" for k, v in res["predict"]["latency_ms"][n].items()))
            log("  10,000: " + ", ".join(
                f"{k} {v:.0f} seq/s"
                for k, v in res["predict"]["bulk_10000_seq_per_s"].items()))
        if "gridsearch" in parts:
            log(f"[{backend}] GridSearchCV n_jobs=1 vs 2")
            res["gridsearch"] = measure_gridsearch(backend, settings, log)
            for name, v in res["gridsearch"]["speedups"].items():
                log(f"  {name}: {v:.2f}x")
    if "import" in parts:
        log("import sklearn_rnn")
        results["import"] = measure_import(settings)
        log(f"  {results['import']['import_seconds_median'] * 1e3:.0f} ms")
    results["load_average_at_end"] = os.getloadavg()
    results["targets"] = evaluate_targets(results)
    for t in results["targets"]:
        log(f"{'MET ' if t['met'] else 'MISS'} {t['target']}: {t['measured']}")
    log(_report.write_results(args.output, results, write_markdown))
    return 0


if __name__ == "__main__":
    sys.exit(main())
