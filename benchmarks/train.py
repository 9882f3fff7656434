"""Training throughput of network A and the default network: the package against
the same network by hand in Keras, scikeras and PyTorch
(``python -m benchmarks throughput --parts train``)."""

import contextlib
import os
import time

from ._harness import (
    RATIO_KEYS,
    backend_threads,
    cpu_seconds,
    epoch_figures,
    fmt,
    other_processes_busy,
    peak_rss_mb,
    per_round_ratio,
    ranged,
    round_robin,
    rss_mb,
    run_worker,
    summarize,
    wait_until_quiet,
)
from ._models import DEFAULT_RECURRENT, PLAIN_LSTM
from ._network_a import (
    BATCH_SIZE,
    LEARNING_RATE,
    N_CLASSES,
    N_FEATURES,
    N_TIMESTEPS,
    UNITS,
    keras_model,
    make_data,
)

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
    from sklearn_rnn import _fitting

    original_loop = _fitting.fit_on_batches

    def fit_on_batches(*args, callbacks=(), **kwargs):
        return original_loop(*args, callbacks=[*callbacks, clock.callback()], **kwargs)

    keras.Model.fit = fit
    _fitting.fit_on_batches = fit_on_batches
    try:
        yield
    finally:
        keras.Model.fit = original
        _fitting.fit_on_batches = original_loop



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
        **epoch_figures(len(X), start, epoch_ends, cpu_ends, end),
        "load_average_1min": [load_before, os.getloadavg()[0]],
        "other_processes_cores_busy": busy_before,
        "final_loss": loss,
        "rss_before_fit_mb": rss_before,
        "peak_rss_mb": peak_rss_mb(),
        "threads": backend_threads(),
        **extra,
    }



def measure_train(backend, settings, contestants, log):
    def run(contestant):
        spec = {"contestant": contestant, "n_samples": settings["train_samples"],
                "epochs": settings["train_epochs"],
                "wait_until_quiet": not settings.get("background_load")}
        env = CONTESTANT_ENV.get(contestant, {})
        return run_worker("train", spec, env.get("KERAS_BACKEND", backend), env=env)

    rounds = round_robin(contestants, settings["train_rounds"], run, log, "train")
    summary = summarize(rounds, (
        "steady_seq_per_s", "steady_seq_per_cpu_s", "fit_seq_per_s", "fit_seconds",
        "first_epoch_seconds", "rss_before_fit_mb", "peak_rss_mb", "final_loss",
        "other_processes_cores_busy"))
    ratios = {f"{a}/{b}": {key: per_round_ratio(rounds, a, b, key) for key in RATIO_KEYS}
              for a, b in TRAIN_RATIOS if a in rounds and b in rounds}
    return {"per_contestant": summary, "ratios": ratios, "rounds": rounds}



def markdown(res, results):
    """The training section of one backend's report."""
    lines = []
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
            f"| {c} | {fmt(v['steady_seq_per_s'], 0)} | "
            f"{fmt(v['steady_seq_per_cpu_s'], 0)} | {fmt(v['fit_seq_per_s'], 0)}"
            f" | {fmt(v['first_epoch_seconds'], 2)} | {fmt(v['fit_seconds'], 2)} | "
            f"{fmt(v['peak_rss_mb'], 0)} | {'yes' if xla else 'no'} | "
            f"{fmt(v.get('other_processes_cores_busy'), 2)} |")
    lines += ["", "| ratio, median of per-round ratios (range) | steady | steady per "
              "CPU-s | whole fit |", "|---|---|---|---|"]
    for name, v in t["ratios"].items():
        lines.append(f"| {name} | {ranged(v['steady_seq_per_s'])} | "
                     f"{ranged(v['steady_seq_per_cpu_s'])} | "
                     f"{ranged(v['fit_seq_per_s'])} |")
    lines.append("")
    return lines


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




def evaluate_targets(backend, res):
    """The training-speed targets of one backend."""
    targets = []
    r = res["train"]["ratios"]
    for name, key, bound, label in TRAIN_TARGETS:
        if name in r:
            v = r[name][key]
            targets.append({"target": f"[{backend}] {label}",
                            "measured": f"{name} = {ranged(v)}",
                            "met": v["median"] >= bound})
    return targets
